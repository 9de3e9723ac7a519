/**
 * The {@code handoff} entry of {@code /actuator/info}, for applications with Actuator.
 */
@NullMarked
package dev.handoff.autoconfigure.info;

import org.jspecify.annotations.NullMarked;
