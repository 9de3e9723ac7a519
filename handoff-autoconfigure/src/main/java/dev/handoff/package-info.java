/**
 * Handoff's public API: annotate a bean with {@link dev.handoff.Handoff}, implement
 * {@link dev.handoff.HandoffParticipant}, and its state moves from a stopping instance to
 * the next one. {@link dev.handoff.HandoffOperations} offers the same verbs to code that
 * is not a participant bean, and {@link dev.handoff.HandoffStore} is the storage SPI
 * behind both.
 */
@NullMarked
package dev.handoff;

import org.jspecify.annotations.NullMarked;
