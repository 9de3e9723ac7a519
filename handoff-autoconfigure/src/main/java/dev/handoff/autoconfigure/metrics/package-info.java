/**
 * Handoff's Micrometer meters, for applications with a {@code MeterRegistry}.
 */
@NullMarked
package dev.handoff.autoconfigure.metrics;

import org.jspecify.annotations.NullMarked;
