package dev.handoff;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a bean whose in-memory state is handed off to the next instance when this one
 * shuts down gracefully. The bean must implement {@link HandoffParticipant}; startup
 * fails otherwise.
 *
 * <pre class="code">
 * &#64;Component
 * &#64;Handoff(value = "rate-limiter", version = 2)
 * class RateLimiter implements HandoffParticipant&lt;Map&lt;String, Window&gt;&gt; { ... }
 * </pre>
 *
 * @see HandoffParticipant
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface Handoff {

	/**
	 * The label that state is stored and claimed under; instances that share a label
	 * share its state. Defaults to the bean name. Letters, digits, '.', '_' and '-' only.
	 * @return the label, or empty for the bean name
	 */
	String value() default "";

	/**
	 * The version of the state's shape. A record written with another version is never
	 * deserialized into the current type. An older one goes to
	 * {@link HandoffParticipant#upgradeHandoff}, or to the dead letters when that returns
	 * null; a newer one is released for an instance that reads it, and dead-lettered only
	 * when none took it within {@code handoff.ttl}.
	 * @return the version of the state's shape
	 */
	int version() default 1;

}
