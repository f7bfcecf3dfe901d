using DigiUsher.Contracts;
using DigiUsher.DataSource.Data;
using DigiUsher.ServiceDefaults.Messaging;

namespace DigiUsher.DataSource.DataSources;

/// <summary>
/// The events of a data source's life, with deterministic idempotency keys and message ids: the
/// same change always yields the same message, so a retried commit never publishes twice.
/// Events carry the settings only, never credentials.
/// </summary>
public static class DataSourceEvents
{
    public static DataSourceSettings Settings(DataSourceRow row) => new(
        row.Name,
        row.Kind,
        row.Bucket,
        row.Prefix,
        row.ReportName,
        row.Region,
        row.PayerAccountId.Length == 0 ? null : row.PayerAccountId,
        row.CreatedByUserId,
        row.CreatedByEmail,
        row.DisabledFeatures,
        row.ParentDataSourceId,
        row.AccountId.Length == 0 ? null : row.AccountId,
        row.MemberAccountRole);

    public static OutboxEvent Connected(DataSourceRow row, DateTimeOffset at)
    {
        var key = $"{row.Id}:connected";
        return new OutboxEvent(new DataSourceConnected(row.OrganizationId, row.Id, key, Settings(row), at), MessageId(key));
    }

    public static OutboxEvent Updated(DataSourceRow row, bool credentialsRotated, DateTimeOffset at)
    {
        var key = $"{row.Id}:v{row.Version}";
        return new OutboxEvent(new DataSourceUpdated(row.OrganizationId, row.Id, key, Settings(row), credentialsRotated, at), MessageId(key));
    }

    public static OutboxEvent Removed(Guid organizationId, Guid dataSourceId, DateTimeOffset at)
    {
        var key = $"{dataSourceId}:removed";
        return new OutboxEvent(new DataSourceRemoved(organizationId, dataSourceId, key, at), MessageId(key));
    }

    public static OutboxEvent OrganizationDeleted(Guid organizationId, DateTimeOffset at)
    {
        var key = $"{organizationId}:deleted";
        return new OutboxEvent(new DigiUsher.Contracts.OrganizationDeleted(organizationId, key, at), MessageId(key));
    }

    public static OutboxEvent PollRequested(Guid organizationId, Guid dataSourceId, Guid requestId, DateTimeOffset at)
    {
        var key = $"{dataSourceId}:poll:{requestId}";
        return new OutboxEvent(new DigiUsher.Contracts.PollRequested(organizationId, dataSourceId, key, at), MessageId(key));
    }

    public static OutboxEvent ReimportRequested(Guid organizationId, Guid dataSourceId, string billingPeriod, Guid requestId, DateTimeOffset at)
    {
        var key = $"reimport:{requestId}";
        return new OutboxEvent(new DigiUsher.Contracts.ReimportRequested(organizationId, dataSourceId, key, billingPeriod, at), MessageId(key));
    }

    /// <summary>A name-based UUID (version 5 layout over SHA-256) of the idempotency key.</summary>
    public static Guid MessageId(string idempotencyKey) => MessageIds.Sha256NameBased("digiusher:datasource:" + idempotencyKey);
}
