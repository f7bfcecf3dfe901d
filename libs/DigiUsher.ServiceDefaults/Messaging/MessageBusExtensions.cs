using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace DigiUsher.ServiceDefaults.Messaging;

public static class MessageBusExtensions
{
    /// <summary>
    /// MassTransit on RabbitMQ with our conventions: kebab-case endpoint names, quorum queues, the
    /// retry policy of each consumer's definition, then the endpoint's <c>_error</c> queue (MassTransit's
    /// default). Debian's RabbitMQ has no delayed-exchange plugin, so retries are in memory only.
    /// </summary>
    public static WebApplicationBuilder AddMessageBus(this WebApplicationBuilder builder, Action<IBusRegistrationConfigurator> configure)
    {
        builder.Services.AddOptions<RabbitMqOptions>()
            .BindConfiguration(RabbitMqOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        // Every service gets its own queue per event: endpoint names are prefixed with the service
        // name, or two services consuming the same event would compete for one queue.
        var service = builder.Services.Select(d => d.ImplementationInstance).OfType<DigiUsherService>().FirstOrDefault();
        var prefix = service?.Name ?? builder.Environment.ApplicationName;
        if (service is not null)
        {
            // A service reports its queues; a bare bus host (a test's peer) does not.
            builder.Services.TryAddSingleton<Telemetry.ServiceMeter>();
            builder.Services.AddSingleton<Telemetry.QueueMetrics>();
            builder.Services.AddHostedService(sp => sp.GetRequiredService<Telemetry.QueueMetrics>());
            builder.Services.AddReceiveEndpointObserver(sp => sp.GetRequiredService<Telemetry.QueueMetrics>());
            builder.Services.AddConsumeObserver(sp => sp.GetRequiredService<Telemetry.QueueMetrics>());
        }

        builder.Services.AddMassTransit(x =>
        {
            x.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter(prefix, includeNamespace: false));
            x.DisableUsageTelemetry();
            configure(x);
            if (service is not null)
            {
                // Every service purges what it holds of a deleted organization outside its data sources.
                x.AddConsumer<Data.OrganizationDeletedConsumer, Data.OrganizationDeletedConsumerDefinition>();
            }

            if (builder.Services.Any(d => d.ServiceType == typeof(Security.RevocationList)))
            {
                // Every service that validates tokens keeps the revocations DataSource announces.
                x.AddConsumer<Security.TokensRevokedConsumer, Security.TokensRevokedConsumerDefinition>();
            }

            x.AddConfigureEndpointsCallback((context, _, endpoint) =>
            {
                var options = context.GetRequiredService<IOptions<RabbitMqOptions>>().Value;
                if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit)
                {
                    if (options.QuorumQueues)
                    {
                        rabbit.SetQuorumQueue();
                    }

                    rabbit.PrefetchCount = options.PrefetchCount;
                }
            });
            x.UsingRabbitMq((context, cfg) =>
            {
                var options = context.GetRequiredService<IOptions<RabbitMqOptions>>().Value;
                cfg.Host(options.Host, (ushort)options.Port, options.VirtualHost, h =>
                {
                    h.Username(options.Username);
                    h.Password(options.Password);
                    h.RequestedConnectionTimeout(TimeSpan.FromSeconds(10));
                    if (options.Tls.Enabled)
                    {
                        h.UseSsl(ssl => BrokerTls.Configure(ssl, options));
                    }
                });
                cfg.ConfigureJsonSerializerOptions(json =>
                {
                    json.Converters.Add(new UtcDateTimeOffsetConverter());
                    return json;
                });
                cfg.StampUserId(options.Username);
                // Named after the service (not MassTransit's host_process_bus_id, "dotnet" for every
                // service) so that its RabbitMQ user's permissions can name it: DataSource may answer
                // only the bus endpoints of the services that ask for credentials
                // (charts/digiusher/files/rabbitmq-topology.tsv). Unique per process: replies reach the asker.
                cfg.OverrideDefaultBusEndpointQueueName($"{prefix}-bus-{NewId.NextGuid():N}");
                cfg.ConfigureEndpoints(context);
            });
        });
        return builder;
    }
}
