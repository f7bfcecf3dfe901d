using System.Diagnostics.Metrics;

namespace DigiUsher.ServiceDefaults.Telemetry;

/// <summary>
/// The service's own meter, <c>DigiUsher.&lt;service&gt;</c> (e.g. <c>DigiUsher.cur-parser</c>), and the
/// only way to make an instrument on it: from a definition in <see cref="Instruments"/>, so what a
/// dashboard or alert names and what the code measures cannot drift apart.
/// </summary>
public sealed class ServiceMeter
{
    public ServiceMeter(IMeterFactory factory, DigiUsherService service) =>
        Meter = factory.Create($"{ServiceDefaultsExtensions.TelemetryPrefix}.{service.Name}");

    public Meter Meter { get; }

    public Counter<long> Counter(InstrumentDefinition definition) =>
        Meter.CreateCounter<long>(Checked(definition, InstrumentKind.Counter).Name, definition.Unit, definition.Description);

    public Histogram<double> Histogram(InstrumentDefinition definition) =>
        Meter.CreateHistogram<double>(Checked(definition, InstrumentKind.Histogram).Name, definition.Unit, definition.Description);

    public ObservableGauge<T> Gauge<T>(InstrumentDefinition definition, Func<IEnumerable<Measurement<T>>> observe) where T : struct =>
        Meter.CreateObservableGauge(Checked(definition, InstrumentKind.Gauge).Name, observe, definition.Unit, definition.Description);

    private static InstrumentDefinition Checked(InstrumentDefinition definition, InstrumentKind kind) =>
        definition.Kind == kind && Instruments.All.Contains(definition)
            ? definition
            : throw new ArgumentException($"{definition.Name} is not a {kind} of Instruments.", nameof(definition));
}
