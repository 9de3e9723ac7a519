package dev.handoff.redis;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import dev.handoff.HandoffSubscription;

/**
 * How the store subscribes to its labels' channels.
 */
interface Subscriptions {

	/**
	 * Subscribes.
	 * @param labelsByChannel the labels, by the name of their channel
	 * @param onAvailable called with one label per message, and with all labels each time
	 * every channel is (re)subscribed
	 * @return the subscription
	 */
	HandoffSubscription subscribe(Map<String, String> labelsByChannel, Consumer<List<String>> onAvailable);

}
