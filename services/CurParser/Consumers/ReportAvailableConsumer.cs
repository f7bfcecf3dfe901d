using DigiUsher.Contracts;
using DigiUsher.CurParser.Data;
using DigiUsher.CurParser.Importing;
using DigiUsher.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.Extensions.Options;

namespace DigiUsher.CurParser.Consumers;

/// <summary>Imports the delivery a <c>ReportAvailable</c> announces (competing consumers across replicas).</summary>
/// <remarks>
/// On SIGTERM the bus cancels the consume context's cancellation token of in-flight consumers once
/// its stop timeout passes; the import then throws <see cref="OperationCanceledException"/>, which
/// MassTransit treats as "not consumed": the message stays on the queue, nothing became current.
/// A delivery of a removed data source (published before its removal) is dropped: its data was purged.
/// </remarks>
public sealed class ReportAvailableConsumer(DeliveryImporter importer, RemovedDataSourceStore removed) : IConsumer<ReportAvailable>
{
    public async Task Consume(ConsumeContext<ReportAvailable> context)
    {
        if (!await removed.IsRemovedAsync(context.Message.DataSourceId, context.CancellationToken))
        {
            await importer.ImportAsync(context.Message, context.CancellationToken);
        }
    }
}

/// <summary>Concurrency and prefetch from <see cref="CurParserOptions"/>; transient failures retried in memory.</summary>
public sealed class ReportAvailableConsumerDefinition : RetryingConsumerDefinition<ReportAvailableConsumer>
{
    private readonly CurParserOptions _options;

    public ReportAvailableConsumerDefinition(IOptions<CurParserOptions> options)
    {
        _options = options.Value;
        ConcurrentMessageLimit = _options.ConcurrentImports;
    }

    protected override TimeSpan[] RetryIntervals { get; } = [TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10)];

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<ReportAvailableConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        base.ConfigureConsumer(endpointConfigurator, consumerConfigurator, context);
        if (endpointConfigurator is IRabbitMqReceiveEndpointConfigurator rabbit)
        {
            rabbit.PrefetchCount = _options.PrefetchCount;
        }
    }
}
