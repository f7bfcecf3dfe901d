using DigiUsher.Client.DataSource;

namespace DigiUsher.Console.Apis;

/// <summary>What the connection form sends; on an update only the fields given change.</summary>
public sealed record DataSourceRequest
{
    public string? Name { get; init; }

    public string? Kind { get; init; }

    /// <summary>The root data source a linked (member) account belongs to (<c>aws-linked</c> only).</summary>
    public Guid? ParentDataSourceId { get; init; }

    public string? AccessKeyId { get; init; }

    public string? SecretAccessKey { get; init; }

    public string? RoleArn { get; init; }

    public string? ExternalId { get; init; }

    public string? Bucket { get; init; }

    public string? Prefix { get; init; }

    public string? ReportName { get; init; }

    public string? Region { get; init; }

    /// <summary>A root's member account role to set or turn off (<c>aws-root</c> only); null leaves it as it is.</summary>
    public MemberAccountRoleChange? MemberAccountRole { get; init; }
}

/// <summary>
/// DataSource's <c>memberAccountRole</c> as sent: a role name sets it; a null name turns member account
/// discovery off (only on a change: a new data source simply leaves the whole setting out).
/// </summary>
public sealed record MemberAccountRoleChange(string? RoleName)
{
    public MemberAccountRoleSetting ToSetting() => new() { RoleName = RoleName };
}

/// <summary>The kinds of data source (DataSource's <c>kind</c>).</summary>
public static class DataSourceKinds
{
    /// <summary>An AWS root (payer) account with the bucket of its Cost and Usage Reports.</summary>
    public const string Root = "aws-root";

    /// <summary>A member account of a root's AWS Organization, connected on its own; its costs are in its root's reports.</summary>
    public const string Linked = "aws-linked";

    public static bool IsLinked(this DataSourceView source) => source.Kind == Linked;
}

/// <summary>Data sources, their status and the connection guide's policies (DataSource's <c>/api/v1/data-sources</c>, <c>/api/v1/aws/setup</c>).</summary>
public interface IDataSourcesApi
{
    Task<IReadOnlyList<DataSourceView>> ListAsync(CancellationToken cancellationToken);

    Task<DataSourceView> GetAsync(Guid id, CancellationToken cancellationToken);

    Task<DataSourceStatus> StatusAsync(Guid id, CancellationToken cancellationToken);

    Task<DataSourceView> CreateAsync(DataSourceRequest request, CancellationToken cancellationToken);

    Task<DataSourceView> UpdateAsync(Guid id, DataSourceRequest request, CancellationToken cancellationToken);

    Task DeleteAsync(Guid id, CancellationToken cancellationToken);

    Task<ValidationReport> ValidateAsync(Guid id, CancellationToken cancellationToken);

    Task PollAsync(Guid id, CancellationToken cancellationToken);

    Task<AwsSetup> GetAwsSetupAsync(string bucket, string? accountId, CancellationToken cancellationToken);

    /// <summary>
    /// A new external id issued by DataSource for this organization, with DigiUsher's principal and the
    /// trust policy the role needs; connecting the role uses it up.
    /// </summary>
    Task<ExternalIdIssued> NewExternalIdAsync(CancellationToken cancellationToken);
}

public sealed class DataSourcesApi(ApiClients clients) : IDataSourcesApi
{
    public Task<IReadOnlyList<DataSourceView>> ListAsync(CancellationToken cancellationToken) =>
        ApiValues.AllAsync<DataSourceView>(async cursor => await clients.DataSource.ListDataSourcesAsync(200, cursor, cancellationToken) is var page ? (page.Items, page.NextCursor) : default);

    public Task<DataSourceView> GetAsync(Guid id, CancellationToken cancellationToken) =>
        clients.DataSource.GetDataSourceAsync(id, cancellationToken);

    public Task<DataSourceStatus> StatusAsync(Guid id, CancellationToken cancellationToken) =>
        clients.DataSource.GetDataSourceStatusAsync(id, cancellationToken);

    public Task<DataSourceView> CreateAsync(DataSourceRequest request, CancellationToken cancellationToken) =>
        clients.DataSource.CreateDataSourceAsync(
            new CreateDataSourceRequest
            {
                Name = request.Name,
                Kind = request.Kind ?? DataSourceKinds.Root,
                ParentDataSourceId = request.ParentDataSourceId,
                AccessKeyId = request.AccessKeyId,
                SecretAccessKey = request.SecretAccessKey,
                RoleArn = request.RoleArn,
                ExternalId = request.ExternalId,
                Bucket = request.Bucket,
                Prefix = request.Prefix,
                ReportName = request.ReportName,
                Region = request.Region,
                MemberAccountRole = request.MemberAccountRole?.ToSetting(),
            },
            cancellationToken);

    public Task<DataSourceView> UpdateAsync(Guid id, DataSourceRequest request, CancellationToken cancellationToken) =>
        clients.DataSource.UpdateDataSourceAsync(
            id,
            new UpdateDataSourceRequest
            {
                Name = request.Name,
                AccessKeyId = request.AccessKeyId,
                SecretAccessKey = request.SecretAccessKey,
                RoleArn = request.RoleArn,
                ExternalId = request.ExternalId,
                Bucket = request.Bucket,
                Prefix = request.Prefix,
                ReportName = request.ReportName,
                Region = request.Region,
                MemberAccountRole = request.MemberAccountRole?.ToSetting(),
            },
            cancellationToken: cancellationToken);

    public Task DeleteAsync(Guid id, CancellationToken cancellationToken) =>
        clients.DataSource.DeleteDataSourceAsync(id, cancellationToken: cancellationToken);

    public Task<ValidationReport> ValidateAsync(Guid id, CancellationToken cancellationToken) =>
        clients.DataSource.ValidateDataSourceAsync(id, cancellationToken);

    public Task PollAsync(Guid id, CancellationToken cancellationToken) =>
        clients.DataSource.PollDataSourceAsync(id, cancellationToken);

    public Task<AwsSetup> GetAwsSetupAsync(string bucket, string? accountId, CancellationToken cancellationToken) =>
        clients.DataSource.GetAwsSetupAsync(bucket, accountId, cancellationToken);

    public Task<ExternalIdIssued> NewExternalIdAsync(CancellationToken cancellationToken) =>
        clients.DataSource.IssueExternalIdAsync(cancellationToken);
}
