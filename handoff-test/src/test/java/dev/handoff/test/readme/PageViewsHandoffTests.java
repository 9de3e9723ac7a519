package dev.handoff.test.readme;

import dev.handoff.test.HandoffTestCluster;
import org.junit.jupiter.api.Test;

import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

class PageViewsHandoffTests {

	@Test
	void pageViewsSurviveDeploys() {
		try (HandoffTestCluster cluster = HandoffTestCluster.of(ShopApplication.class)) {
			ConfigurableApplicationContext v1 = cluster.start();
			v1.getBean(PageViews.class).viewed("home");

			// v2 starts, then v1 shuts down
			ConfigurableApplicationContext v2 = cluster.rollingReplace(v1);
			assertThat(v2.getBean(PageViews.class).views()).containsEntry("home", 1L);
			v2.getBean(PageViews.class).viewed("cart");

			// v2 shuts down, then v3 starts
			ConfigurableApplicationContext v3 = cluster.recreate(v2);
			assertThat(v3.getBean(PageViews.class).views()).containsEntry("home", 1L).containsEntry("cart", 1L);
		}
	}

}
