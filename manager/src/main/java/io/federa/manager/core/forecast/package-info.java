/**
 * Forecasting: where one regularly sampled series (a VM's CPU-seconds per step, a host's GiB
 * allocated, bytes sent) is heading, how sure that is, and when it reaches a capacity.
 *
 * <pre>
 *  {@link io.federa.manager.core.forecast.Series} ──► {@link io.federa.manager.core.forecast.HoltWinters}.fit ──► forecast(horizon) ──► {@link io.federa.manager.core.forecast.Forecast}
 *  (a value per step,   double-seasonal          point, and per level   │
 *   NaN for a gap)      Holt–Winters: level,     (80 %, 95 %) lower     ▼
 *                       damped trend, daily and  and upper per step    {@link io.federa.manager.core.forecast.TimeUntilFull}
 *                       weekly season                                  first step at or over a capacity
 * </pre>
 *
 * Pure: no I/O and no clock. Times are steps of the series; a history is handed in, a forecast
 * handed back, and the step turns step counts into durations. Why this method and no library, and
 * what it measures against seasonal naive and Prometheus's predict_linear: docs/design-notes.md
 * ("Forecasting") and docs/benchmarks.md ("Forecasting").
 */
package io.federa.manager.core.forecast;
