/**
 * The {@code handoff} health component, for applications with Spring Boot's health
 * support.
 */
@NullMarked
package dev.handoff.autoconfigure.health;

import org.jspecify.annotations.NullMarked;
