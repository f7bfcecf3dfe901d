using MassTransit;

namespace DigiUsher.Contracts;

/// <summary>
/// Every DigiUsher message names its tenant, its data source and an idempotency key. Not an exchange
/// of its own: nothing consumes it, and binding each message type's exchange to it would need every
/// publisher's RabbitMQ user to read the exchanges of the types it publishes.
/// </summary>
[ExcludeFromTopology]
public interface IIntegrationMessage
{
    /// <summary>The tenant organization the message belongs to.</summary>
    Guid OrganizationId { get; }

    /// <summary>The AWS root data source the message is about.</summary>
    Guid DataSourceId { get; }

    /// <summary>A deterministic key: the same fact always carries the same key, so consumers can drop duplicates.</summary>
    string IdempotencyKey { get; }
}
