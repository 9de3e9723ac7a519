package dev.handoff;

/**
 * A subscription to handoff notifications; closing it stops them.
 */
@FunctionalInterface
public interface HandoffSubscription extends AutoCloseable {

	@Override
	void close();

	/**
	 * Whether notifications arrive now; false while the store reconnects after a lost
	 * connection.
	 * @return whether the subscription is established
	 */
	default boolean isActive() {
		return true;
	}

}
