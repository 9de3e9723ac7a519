/**
 * Test support for applications that use Handoff, and for anyone who writes a
 * {@link dev.handoff.HandoffStore}: {@link dev.handoff.test.HandoffTestCluster} runs
 * several instances of an application in one JVM and replaces them as deploys do, and
 * {@link dev.handoff.test.HandoffStoreContract} is the contract every store keeps.
 */
@NullMarked
package dev.handoff.test;

import org.jspecify.annotations.NullMarked;
