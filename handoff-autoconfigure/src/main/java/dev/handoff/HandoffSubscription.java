package dev.handoff;

/**
 * A subscription to handoff notifications; closing it stops them.
 */
@FunctionalInterface
public interface HandoffSubscription extends AutoCloseable {

	@Override
	void close();

}
