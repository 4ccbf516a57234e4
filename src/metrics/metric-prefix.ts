/**
 * What a metric prefix may be, for the metrics and the config schema alike:
 * a name Prometheus accepts (and promtool does not flag) once the family
 * name follows, or empty.
 */
export const metricPrefixPattern = /^([A-Za-z_][A-Za-z0-9_]*)?$/;

/** {@link metricPrefixPattern} in words, for messages. */
export const metricPrefixRule = 'letters, digits and "_", not starting with a digit';
