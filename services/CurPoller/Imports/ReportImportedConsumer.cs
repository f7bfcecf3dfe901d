using DigiUsher.Contracts;
using DigiUsher.CurPoller.Data;
using DigiUsher.ServiceDefaults.Messaging;
using MassTransit;

namespace DigiUsher.CurPoller.Imports;

/// <summary>Remembers that a delivery was imported, so it is never re-published.</summary>
public sealed class ReportImportedConsumer(PollerStore store) : IConsumer<ReportImported>
{
    public Task Consume(ConsumeContext<ReportImported> context) =>
        store.MarkImportedAsync(context.Message.OrganizationId, context.Message.DataSourceId, context.Message.BillingPeriod, context.Message.DeliveryId, context.CancellationToken);
}

public sealed class ReportImportedConsumerDefinition : RetryingConsumerDefinition<ReportImportedConsumer>;
