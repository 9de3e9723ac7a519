/**
 * Handoff's engine: {@link dev.handoff.core.HandoffTemplate} implements the verbs on top
 * of a {@link dev.handoff.HandoffStore}, and {@link dev.handoff.core.HandoffLifecycle}
 * runs the participants: it restores their state at startup, claims what arrives while
 * running, and captures their state during graceful shutdown.
 */
@NullMarked
package dev.handoff.core;

import org.jspecify.annotations.NullMarked;
