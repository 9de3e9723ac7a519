package dev.handoff.redis;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.data.redis.connection.RedisClusterConnection;
import org.springframework.data.redis.connection.RedisClusterNode;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.Cursor;
import org.springframework.data.redis.core.ScanOptions;

/**
 * Finds the labels of a namespace that have records not yet settled, by a {@code SCAN}
 * for their {@code expiry} keys (on every master of a Redis Cluster), and counts their
 * waiting records ({@code HLEN} of {@code pending} and {@code released}). It runs rarely
 * (at startup), so it goes through Spring Data Redis' connections, whichever the client.
 */
final class LabelScan {

	/**
	 * At most this many matching keys are looked at. Keys that do not match are skipped
	 * by Redis, batch by batch, so the scan examines the keyspace up to then: it runs
	 * after startup, never on its path.
	 */
	static final int MAX_KEYS_SCANNED = 100_000;

	private LabelScan() {
	}

	static Map<String, Long> waiting(RedisConnectionFactory connectionFactory, String namespace, int maxLabels,
			String excluded) {
		String prefix = Keys.labelsStart(namespace);
		String suffix = Keys.LABEL_END + Keys.EXPIRY;
		ScanOptions options = ScanOptions.scanOptions()
			.match(escape(prefix) + "*" + escape(suffix))
			.count(1000)
			.build();
		List<String> labels = new ArrayList<>();
		try (RedisConnection connection = connectionFactory.getConnection()) {
			if (connection instanceof RedisClusterConnection cluster) {
				int scanned = 0;
				for (RedisClusterNode node : cluster.clusterGetNodes()) {
					if (node.isMaster()) {
						scanned += scan(cluster.scan(node, options), prefix, suffix, excluded, labels, maxLabels,
								MAX_KEYS_SCANNED - scanned);
					}
				}
			}
			else {
				scan(connection.keyCommands().scan(options), prefix, suffix, excluded, labels, maxLabels,
						MAX_KEYS_SCANNED);
			}
			return count(connection, namespace, labels);
		}
	}

	private static int scan(Cursor<byte[]> cursor, String prefix, String suffix, String excluded, List<String> labels,
			int maxLabels, int budget) {
		int scanned = 0;
		try (cursor) {
			while (scanned < budget && labels.size() < maxLabels && cursor.hasNext()) {
				String key = new String(cursor.next(), StandardCharsets.UTF_8);
				scanned++;
				if (key.startsWith(prefix) && key.endsWith(suffix)) {
					String label = key.substring(prefix.length(), key.length() - suffix.length());
					if (!label.equals(excluded) && !labels.contains(label)) {
						labels.add(label);
					}
				}
			}
		}
		return scanned;
	}

	private static Map<String, Long> count(RedisConnection connection, String namespace, List<String> labels) {
		Map<String, Long> waiting = new LinkedHashMap<>();
		for (String label : labels) {
			Keys keys = new Keys(namespace, label);
			Long pending = connection.hashCommands().hLen(keys.pending());
			Long released = connection.hashCommands().hLen(keys.released());
			long count = ((pending != null) ? pending : 0) + ((released != null) ? released : 0);
			if (count > 0) {
				waiting.put(label, count);
			}
		}
		return waiting;
	}

	/** Escapes the glob characters of a key prefix for {@code SCAN MATCH}. */
	private static String escape(String text) {
		StringBuilder escaped = new StringBuilder(text.length());
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
				escaped.append('\\');
			}
			escaped.append(c);
		}
		return escaped.toString();
	}

}
