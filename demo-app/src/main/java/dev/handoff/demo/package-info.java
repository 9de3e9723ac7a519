/**
 * The Handoff demo: a per-client rate limiter and live counters whose state survives a
 * rolling deploy.
 */
@NullMarked
package dev.handoff.demo;

import org.jspecify.annotations.NullMarked;
