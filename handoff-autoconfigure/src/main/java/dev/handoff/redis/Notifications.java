package dev.handoff.redis;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import dev.handoff.HandoffSubscription;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.core.task.SyncTaskExecutor;
import org.springframework.data.redis.connection.Message;
import org.springframework.data.redis.connection.MessageListener;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.SubscriptionListener;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;

/**
 * Subscriptions to the labels' channels, each on a {@link RedisMessageListenerContainer}
 * of its own, which re-subscribes after a lost connection.
 */
final class Notifications implements Subscriptions {

	private static final Log logger = LogFactory.getLog(Notifications.class);

	private final RedisConnectionFactory connectionFactory;

	Notifications(RedisConnectionFactory connectionFactory) {
		this.connectionFactory = connectionFactory;
	}

	@Override
	public HandoffSubscription subscribe(Map<String, String> labelsByChannel, Consumer<List<String>> onAvailable) {
		ChannelEvents events = new ChannelEvents(labelsByChannel, onAvailable);
		Listener listener = new Listener(events);
		RedisMessageListenerContainer container = new RedisMessageListenerContainer();
		container.setConnectionFactory(this.connectionFactory);
		container.setBeanName("handoffNotifications");
		container.setRecoveryInterval(1000);
		// The container's default executor starts a thread per message and per channel
		// confirmation; the subscriber only records a request and returns, so it runs on
		// the thread that received the message. A blocking subscription (Jedis) still
		// gets a thread of its own.
		container.setTaskExecutor(new SyncTaskExecutor());
		container.setSubscriptionExecutor(new SimpleAsyncTaskExecutor("handoff-notifications-"));
		container
			.setMessageListeners(Map.of(listener, labelsByChannel.keySet().stream().map(ChannelTopic::of).toList()));
		container.afterPropertiesSet();
		container.start();
		return new HandoffSubscription() {

			@Override
			public void close() {
				events.close();
				try {
					container.destroy();
				}
				catch (Exception ex) {
					logger.debug("Could not close the handoff notification subscription", ex);
				}
			}

			@Override
			public boolean isActive() {
				return container.isListening();
			}

		};
	}

	/**
	 * Passes the container's messages and subscription confirmations on.
	 */
	private static final class Listener implements MessageListener, SubscriptionListener {

		private final ChannelEvents events;

		Listener(ChannelEvents events) {
			this.events = events;
		}

		@Override
		public void onMessage(Message message, byte @Nullable [] pattern) {
			this.events.message(message.getChannel());
		}

		@Override
		public void onChannelSubscribed(byte[] channel, long count) {
			this.events.subscribed(channel);
		}

	}

}
