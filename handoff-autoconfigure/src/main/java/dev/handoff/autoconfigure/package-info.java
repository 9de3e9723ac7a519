/**
 * Spring Boot auto-configuration for Handoff.
 */
@NullMarked
package dev.handoff.autoconfigure;

import org.jspecify.annotations.NullMarked;
