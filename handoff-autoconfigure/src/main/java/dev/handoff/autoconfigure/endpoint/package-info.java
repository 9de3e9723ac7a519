/**
 * The {@code handoff} Actuator endpoint, for applications with Actuator.
 */
@NullMarked
package dev.handoff.autoconfigure.endpoint;

import org.jspecify.annotations.NullMarked;
