package dev.handoff.autoconfigure;

import tools.jackson.databind.json.JsonMapper;

/**
 * Customizes the builder of Handoff's own {@link JsonMapper}, which writes and reads
 * handed-off state: to add Jackson modules or mixins for a state type. Handoff does not
 * use the application's mapper, which may enable default typing; a customizer that turns
 * default typing on fails startup, because state from Redis must never name the classes
 * it is read into. Customizers run in {@link org.springframework.core.Ordered} order.
 * State whose JSON object keys are data, such as a large map's, is read by a copy of the
 * mapper they built that only stops canonicalizing property names, so what they customize
 * applies to it as well.
 */
@FunctionalInterface
public interface HandoffJsonMapperBuilderCustomizer {

	/**
	 * Customizes the builder.
	 * @param builder the builder of Handoff's mapper
	 */
	void customize(JsonMapper.Builder builder);

}
