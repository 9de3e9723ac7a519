/**
 * A {@link dev.handoff.HandoffStore} inside one JVM, for tests and for state handed
 * between contexts of one process.
 */
@NullMarked
package dev.handoff.memory;

import org.jspecify.annotations.NullMarked;
