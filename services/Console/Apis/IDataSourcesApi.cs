
namespace DigiUsher.Console.Apis;

/// <summary>What the connection form sends; on an update only the fields given change.</summary>
public sealed record DataSourceRequest
{
    public string? Name { get; init; }

    public string? Kind { get; init; }

    public string? AccessKeyId { get; init; }

    public string? SecretAccessKey { get; init; }

    public string? RoleArn { get; init; }

    public string? ExternalId { get; init; }

    public string? Bucket { get; init; }

    public string? Prefix { get; init; }

    public string? ReportName { get; init; }

    public string? Region { get; init; }
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
    /// The external id to put in the role's trust policy. DataSource does not generate one yet
    /// (issue 18 does); until then the console proposes a random one, which the person may replace.
    /// </summary>
    Task<string> NewExternalIdAsync(CancellationToken cancellationToken);
}

public sealed class DataSourcesApi(ApiClients clients) : IDataSourcesApi
{
    public Task<IReadOnlyList<DataSourceView>> ListAsync(CancellationToken cancellationToken) =>
        clients.DataSource.GetAllAsync<DataSourceView>("api/v1/data-sources?limit=200", int.MaxValue, cancellationToken);

    public Task<DataSourceView> GetAsync(Guid id, CancellationToken cancellationToken) =>
        clients.DataSource.GetAsync<DataSourceView>($"api/v1/data-sources/{id}", cancellationToken);

    public Task<DataSourceStatus> StatusAsync(Guid id, CancellationToken cancellationToken) =>
        clients.DataSource.GetAsync<DataSourceStatus>($"api/v1/data-sources/{id}/status", cancellationToken);

    public Task<DataSourceView> CreateAsync(DataSourceRequest request, CancellationToken cancellationToken) =>
        clients.DataSource.SendAsync<DataSourceView>(HttpMethod.Post, "api/v1/data-sources", request with { Kind = "aws-root" }, cancellationToken);

    public Task<DataSourceView> UpdateAsync(Guid id, DataSourceRequest request, CancellationToken cancellationToken) =>
        clients.DataSource.SendAsync<DataSourceView>(HttpMethod.Patch, $"api/v1/data-sources/{id}", request with { Kind = null }, cancellationToken);

    public Task DeleteAsync(Guid id, CancellationToken cancellationToken) =>
        clients.DataSource.SendAsync(HttpMethod.Delete, $"api/v1/data-sources/{id}", null, cancellationToken);

    public Task<ValidationReport> ValidateAsync(Guid id, CancellationToken cancellationToken) =>
        clients.DataSource.SendAsync<ValidationReport>(HttpMethod.Post, $"api/v1/data-sources/{id}/validate", null, cancellationToken);

    public Task PollAsync(Guid id, CancellationToken cancellationToken) =>
        clients.DataSource.SendAsync(HttpMethod.Post, $"api/v1/data-sources/{id}/poll", null, cancellationToken);

    public Task<AwsSetup> GetAwsSetupAsync(string bucket, string? accountId, CancellationToken cancellationToken) =>
        clients.DataSource.GetAsync<AwsSetup>("api/v1/aws/setup" + new ApiQuery().Add("bucket", bucket).Add("accountId", accountId), cancellationToken);

    public async Task<string> NewExternalIdAsync(CancellationToken cancellationToken) =>
        (await clients.DataSource.SendAsync<IssuedExternalId>(HttpMethod.Post, "api/v1/aws/external-ids", null, cancellationToken)).ExternalId;

    /// <summary>The part of DataSource's answer the form uses.</summary>
    private sealed record IssuedExternalId(string ExternalId);
}
