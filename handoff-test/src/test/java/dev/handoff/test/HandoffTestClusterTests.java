package dev.handoff.test;

import java.util.Map;

import dev.handoff.HandoffConfigurationException;
import dev.handoff.HandoffStore;
import dev.handoff.memory.InMemoryHandoffStore;
import dev.handoff.test.app.Tally;
import dev.handoff.test.app.TallyApplication;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.NestedExceptionUtils;

import static dev.handoff.test.HandoffTestCluster.participantVersion;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * {@link HandoffTestCluster} on its in-memory store: deploys that hand off, a version
 * change, and the failures it explains.
 */
class HandoffTestClusterTests {

	private final HandoffTestCluster cluster = HandoffTestCluster.of(TallyApplication.class);

	@AfterEach
	void closeCluster() {
		this.cluster.close();
	}

	@Test
	void stateSurvivesARollingReplaceAndARecreate() {
		ConfigurableApplicationContext v1 = this.cluster.start();
		v1.getBean(Tally.class).hit("a", 3);
		HandoffStore store = v1.getBean(HandoffStore.class);

		ConfigurableApplicationContext v2 = this.cluster.rollingReplace(v1);
		assertThat(v1.isActive()).as("the old instance is closed").isFalse();
		assertThat(v2.getBean(Tally.class).snapshot()).containsExactly(Map.entry("a", 3L));
		v2.getBean(Tally.class).hit("b", 1);

		ConfigurableApplicationContext v3 = this.cluster.recreate(v2);
		assertThat(v2.isActive()).isFalse();
		assertThat(v3.getBean(Tally.class).snapshot()).containsOnly(Map.entry("a", 3L), Map.entry("b", 1L));
		assertThat(this.cluster.running()).containsExactly(v3);
		assertThat(v3.getBean(HandoffStore.class)).as("one store, outliving the instances that closed")
			.isSameAs(store)
			.isInstanceOf(InMemoryHandoffStore.class);
	}

	@Test
	void stoppedInstanceLeavesWhatItHandedOffInTheStoreForTheNextOneToStart() {
		ConfigurableApplicationContext v1 = this.cluster.start();
		v1.getBean(Tally.class).hit("a", 3);
		this.cluster.stop(v1);
		assertThat(this.cluster.running()).isEmpty();
		ConfigurableApplicationContext v2 = this.cluster.start();
		assertThat(v2.getBean(Tally.class).snapshot()).as("restored before start returned")
			.containsExactly(Map.entry("a", 3L));
	}

	@Test
	void eachInstanceRunsWithAnInstanceIdOfItsOwn() {
		ConfigurableApplicationContext first = this.cluster.start();
		ConfigurableApplicationContext second = this.cluster.start();
		ConfigurableApplicationContext named = this.cluster.start("--handoff.instance-id=blue");
		assertThat(this.cluster.instanceId(first)).isEqualTo("instance-1");
		assertThat(this.cluster.instanceId(second)).isEqualTo("instance-2");
		assertThat(this.cluster.instanceId(named)).isEqualTo("blue");
		assertThat(first.getEnvironment().getProperty("handoff.instance-id")).isEqualTo("instance-1");
		assertThat(this.cluster.running()).containsExactly(first, second, named);
		assertThat(first.getEnvironment().getProperty("handoff.namespace")).as("one namespace for the cluster")
			.startsWith("handoff-test-")
			.isEqualTo(second.getEnvironment().getProperty("handoff.namespace"));
		try (HandoffTestCluster other = HandoffTestCluster.of(TallyApplication.class)) {
			String namespace = other.start().getEnvironment().getProperty("handoff.namespace");
			assertThat(namespace).as("another for another cluster")
				.isNotEqualTo(first.getEnvironment().getProperty("handoff.namespace"));
		}
	}

	@Test
	void twoInstancesWithOneInstanceIdAreRefused() {
		this.cluster.start("--handoff.instance-id=twin");
		assertThatExceptionOfType(IllegalStateException.class)
			.isThrownBy(() -> this.cluster.start("--handoff.instance-id=twin"))
			.withMessageContaining("'twin'");
		assertThat(this.cluster.running()).hasSize(1);
	}

	@Test
	void olderVersionHandedOffIsUpgradedByTheNewInstance() {
		ConfigurableApplicationContext v1 = this.cluster.start(participantVersion("tally", 1));
		v1.getBean(Tally.class).hit("a", 2);
		ConfigurableApplicationContext v2 = this.cluster.rollingReplace(v1);
		assertThat(v2.getBean(Tally.class).upgraded()).containsExactly(1);
		assertThat(v2.getBean(Tally.class).snapshot()).containsExactly(Map.entry("a", 2L));
	}

	@Test
	void deadLetteredRecordFailsWithItsReason() {
		ConfigurableApplicationContext v1 = this.cluster.start();
		v1.getBean(Tally.class).hit("a", 1);
		// Version 3 reads version 2 only through upgradeHandoff, which refuses it.
		assertThatExceptionOfType(AssertionError.class)
			.isThrownBy(() -> this.cluster.rollingReplace(v1, participantVersion("tally", 3)))
			.withMessageStartingWith("instance 'instance-2' did not merge the record ")
			.withMessageEndingWith(" of label 'tally' that instance 'instance-1' handed off, which was dead-lettered: "
					+ "version 2 while participant 'tally' reads version 3");
	}

	@Test
	void instanceThatHandsNothingOffFails() {
		ConfigurableApplicationContext v1 = this.cluster.start();
		assertThatExceptionOfType(AssertionError.class).isThrownBy(() -> this.cluster.recreate(v1))
			.withMessage("instance 'instance-1' handed nothing off when it shut down: handoffState() returned null "
					+ "for each of its participants [tally], or writing the state failed (see the log)");
		assertThat(this.cluster.running()).as("recreate started no new instance").isEmpty();
	}

	@Test
	void newInstanceThatDoesNotReadTheVersionHandedOffFails() {
		ConfigurableApplicationContext v1 = this.cluster.start();
		v1.getBean(Tally.class).hit("a", 1);
		assertThatExceptionOfType(AssertionError.class)
			.isThrownBy(() -> this.cluster.rollingReplace(v1, participantVersion("tally", 1)))
			.withMessage("instance 'instance-1' handed off version 2 of label 'tally', which instance 'instance-2' "
					+ "does not read (it reads version 1): it releases such a record for an instance that reads its "
					+ "version");
	}

	@Test
	void newInstanceWithoutTheParticipantFails() {
		ConfigurableApplicationContext v1 = this.cluster.start();
		v1.getBean(Tally.class).hit("a", 1);
		assertThatExceptionOfType(AssertionError.class)
			.isThrownBy(() -> this.cluster.rollingReplace(v1, "--tally.enabled=false"))
			.withMessage("instance 'instance-1' handed off label 'tally', but instance 'instance-2' has no participant "
					+ "with that label (its labels: [])");
	}

	@Test
	void mergeThatKeepsFailingTimesOutAfterTenSecondsSayingWhereTheRecordIs() {
		ConfigurableApplicationContext v1 = this.cluster.start();
		v1.getBean(Tally.class).hit("a", 1);
		assertThatExceptionOfType(AssertionError.class)
			.isThrownBy(() -> this.cluster.rollingReplace(v1, "--tally.fail-receive=true"))
			.withMessageStartingWith("instance 'instance-2' did not merge within PT10S the record ")
			.withMessageContaining(" of label 'tally' that instance 'instance-1' handed off, which is held by a "
					+ "claim, on delivery attempt 1: receiveHandoff is failing or slow");
	}

	@Test
	void participantVersionOfALabelNoParticipantHasFailsStartup() {
		assertThatException().isThrownBy(() -> this.cluster.start(participantVersion("tallly", 1)))
			.satisfies((ex) -> assertThat(NestedExceptionUtils.getMostSpecificCause(ex))
				.isInstanceOf(HandoffConfigurationException.class)
				.hasMessageContaining("label 'tallly'"));
	}

	@Test
	void propertiesOfTheClusterApplyToEveryInstanceAndArgumentsWin() {
		this.cluster.withProperties("tally.colour=red", "handoff.namespace=shop");
		ConfigurableApplicationContext red = this.cluster.start();
		ConfigurableApplicationContext blue = this.cluster.start("--tally.colour=blue");
		assertThat(red.getEnvironment().getProperty("tally.colour")).isEqualTo("red");
		assertThat(blue.getEnvironment().getProperty("tally.colour")).isEqualTo("blue");
		assertThat(blue.getEnvironment().getProperty("handoff.namespace")).isEqualTo("shop");
	}

}
