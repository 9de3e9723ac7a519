package dev.handoff;

import java.util.List;
import java.util.function.Consumer;

import org.springframework.core.ParameterizedTypeReference;

/**
 * The programmatic verbs behind {@link HandoffParticipant}, for code that is not a
 * participant bean. They give the same guarantees: {@link #initiate} stores and announces
 * a record in one atomic call, {@link #complete} claims records under a lease and
 * acknowledges them only when the receiver returns normally.
 */
public interface HandoffOperations {

	/**
	 * Hands off state under a label: stores it and notifies the instances subscribed to
	 * the label.
	 * @param label the label
	 * @param version the version of the state's shape
	 * @param state the state, written as JSON
	 * @param <S> the type of the state
	 * @return the stored record
	 */
	<S> HandoffRecord<S> initiate(String label, int version, S state);

	/**
	 * Hands off state under a record id that the caller chooses, as an idempotency key:
	 * initiating again with the same id (a retry after a timeout) stores nothing new,
	 * whether the first call's record still waits, was delivered or was dead-lettered.
	 * The store remembers an acknowledged id for {@code handoff.ttl}.
	 * @param label the label
	 * @param version the version of the state's shape
	 * @param state the state, written as JSON
	 * @param recordId the record id: 1 to 200 letters, digits, {@code .}, {@code _},
	 * {@code :} or {@code -}, unique per handoff, for example a UUID the caller keeps
	 * across its retries
	 * @param <S> the type of the state
	 * @return the record
	 */
	<S> HandoffRecord<S> initiate(String label, int version, S state, String recordId);

	/**
	 * Claims the records waiting under a label and passes those of the given version to
	 * the receiver. They are acknowledged when the receiver returns normally; if it
	 * throws for several, each is given to it alone, and those it still fails on are
	 * delivered again after the lease. Records of a newer version are released for an
	 * instance that reads it; records of an older version are dead-lettered.
	 * @param label the label
	 * @param version the version of the state's shape that the receiver understands
	 * @param type the type of the state
	 * @param receiver receives the records; not called when none were claimed
	 * @param <S> the type of the state
	 * @return the number of records the receiver got
	 */
	<S> int complete(String label, int version, Class<S> type, Consumer<List<HandoffRecord<S>>> receiver);

	/**
	 * Like {@link #complete(String, int, Class, Consumer)}, for a parameterized state
	 * type such as {@code Map<String, List<Long>>}.
	 * @param label the label
	 * @param version the version of the state's shape that the receiver understands
	 * @param type the type of the state
	 * @param receiver receives the records; not called when none were claimed
	 * @param <S> the type of the state
	 * @return the number of records the receiver got
	 */
	<S> int complete(String label, int version, ParameterizedTypeReference<S> type,
			Consumer<List<HandoffRecord<S>>> receiver);

	/**
	 * Calls {@code onAvailable} when a record may be waiting under the label: when one is
	 * handed off, and each time the subscription is (re)established, so that nothing
	 * published while it was down goes unnoticed. Notifications are hints delivered at
	 * most once; call {@link #complete} from the callback (on another thread if it
	 * blocks).
	 * @param label the label
	 * @param onAvailable the callback
	 * @return the subscription, to close when done
	 */
	HandoffSubscription subscribe(String label, Runnable onAvailable);

}
