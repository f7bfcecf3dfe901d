using DigiUsher.Contracts;
using DigiUsher.DataSource.Data;
using DigiUsher.ServiceDefaults.Messaging;
using MassTransit;

namespace DigiUsher.DataSource.Consumers;

/// <summary>
/// Keeps <c>GET /api/v1/data-sources/{id}/status</c> current from the pollers', parsers' and
/// discovery's events. Every write is idempotent (newer-wins on the event's own time), so one
/// endpoint serves them all.
/// </summary>
public sealed class StatusEventsConsumer(StatusStore store) :
    IConsumer<ReportPollCompleted>,
    IConsumer<ReportPollFailed>,
    IConsumer<ReportImportStarted>,
    IConsumer<ReportImportProgressed>,
    IConsumer<ReportImported>,
    IConsumer<ReportImportFailed>,
    IConsumer<DiscoveryCompleted>,
    IConsumer<DiscoveryFailed>
{
    public Task Consume(ConsumeContext<ReportPollCompleted> context) =>
        store.PollCompletedAsync(context.Message, context.CancellationToken);

    public Task Consume(ConsumeContext<ReportPollFailed> context) =>
        store.PollFailedAsync(context.Message, context.CancellationToken);

    public Task Consume(ConsumeContext<ReportImportStarted> context) =>
        store.ImportStartedAsync(context.Message, context.CancellationToken);

    public Task Consume(ConsumeContext<ReportImportProgressed> context) =>
        store.ImportProgressedAsync(context.Message, context.CancellationToken);

    public Task Consume(ConsumeContext<ReportImported> context) =>
        store.ImportedAsync(context.Message, context.CancellationToken);

    public Task Consume(ConsumeContext<ReportImportFailed> context) =>
        store.ImportFailedAsync(context.Message, context.CancellationToken);

    public Task Consume(ConsumeContext<DiscoveryCompleted> context) =>
        store.DiscoveryCompletedAsync(context.Message, context.CancellationToken);

    public Task Consume(ConsumeContext<DiscoveryFailed> context) =>
        store.DiscoveryFailedAsync(context.Message, context.CancellationToken);
}

public sealed class StatusEventsConsumerDefinition : RetryingConsumerDefinition<StatusEventsConsumer>
{
    public StatusEventsConsumerDefinition() => EndpointName = "data-source-status";
}
