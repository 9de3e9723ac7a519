package dev.handoff;

import java.util.List;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * A bean whose state survives a rolling deploy. Annotate it with {@link Handoff}.
 * <p>
 * During graceful shutdown, after the web server has drained its requests, after
 * scheduled tasks and executors have stopped, and after this bean's own {@code stop()} if
 * it is a {@link org.springframework.context.Lifecycle}, {@link #handoffState()} is
 * called once and its result is written to the store. Instances that run a participant
 * with the same label receive it through {@link #receiveHandoff(List)}: at startup before
 * the bean is started and before the application reports ready, or while running, within
 * milliseconds of the handoff.
 * <p>
 * Delivery is at least once with exactly one taker at a time: a record is acknowledged
 * only when {@code receiveHandoff} returns normally, and its lease is renewed while the
 * merge runs. If it throws for several records, each is given to it again alone, so the
 * others are merged and acknowledged; a record it still throws for, or whose JVM dies
 * before it returns, is delivered again after the lease, and dead-lettered after
 * {@code handoff.max-deliveries} attempts. A merge that may see a record twice should be
 * idempotent, for example by remembering {@link HandoffRecord#id()}.
 * <p>
 * A participant that is a {@link org.springframework.context.SmartLifecycle} should use a
 * phase below {@code HandoffLifecycle.PHASE} if its work must keep running while the web
 * server drains requests: Handoff stops it right before capturing its state. With a
 * higher phase, such as the default, Spring stops it before the drain.
 * <p>
 * The state type {@code S} is read from the implemented interface, so it may be
 * parameterized ({@code Map<String, List<Long>>}). It is written as JSON, without type
 * information.
 *
 * @param <S> the type of the handed-off state
 */
public interface HandoffParticipant<S> {

	/**
	 * Returns the state to hand off. Called once, during graceful shutdown, when nothing
	 * else can change it anymore; with {@code handoff.checkpoint.interval} set, also at
	 * each checkpoint (through {@link #checkpointState()}, unless it is overridden).
	 * @return the state, or {@code null} when there is nothing to hand off
	 */
	@Nullable S handoffState();

	/**
	 * Returns the state to write as this instance's checkpoint, with
	 * {@code handoff.checkpoint.interval} set: at each interval and right after each
	 * merge, while the application runs, so it must be safe against concurrent use of
	 * this bean and return a copy (or an immutable view) of the state. Never called while
	 * {@link #receiveHandoff} runs, nor after the state was handed off. A checkpoint is
	 * delivered only if this instance ends without handing off (SIGKILL, an OOM kill, a
	 * lost node); the receiver can tell by {@link HandoffRecord#isCheckpoint()}. The
	 * default returns {@link #handoffState()}.
	 * @return the state, or {@code null} when there is nothing to keep (which removes
	 * this instance's checkpoint)
	 */
	default @Nullable S checkpointState() {
		return handoffState();
	}

	/**
	 * Merges state that stopping instances handed off. Called from a Handoff thread,
	 * possibly while the application serves requests, so the merge must be safe against
	 * concurrent use of this bean.
	 * @param handoffs the records, oldest first; never empty
	 */
	void receiveHandoff(List<HandoffRecord<S>> handoffs);

	/**
	 * Converts a record written with an older {@link Handoff#version()} of the state's
	 * shape. The default refuses every record, which sends it to the dead letters with an
	 * ERROR log. Records of a newer version never come here: they are released for an
	 * instance that reads their version.
	 * @param handoff the record, its data as a JSON tree
	 * @return the state in the current shape, or {@code null} to refuse the record
	 */
	default @Nullable S upgradeHandoff(HandoffRecord<JsonNode> handoff) {
		return null;
	}

}
