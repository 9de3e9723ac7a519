/**
 * Benchmarks of Handoff against raw Lettuce and Jedis on the same {@code redis-server},
 * in one JVM, interleaved in small rounds, reported as ratios. Entry point:
 * {@link dev.handoff.benchmarks.Benchmarks}.
 */
@NullMarked
package dev.handoff.benchmarks;

import org.jspecify.annotations.NullMarked;
