using System.Globalization;
using System.Text.Json;
using Amazon.Runtime;
using DigiUsher.Aws.Signing;
using Microsoft.Extensions.Options;

namespace DigiUsher.Aws.Organizations;

/// <summary>
/// AWS Organizations over the JSON 1.1 protocol (target prefix <c>AWSOrganizationsV20161128</c>,
/// signing name <c>organizations</c>, region us-east-1). Wire format: botocore's
/// <c>organizations/2016-11-28/service-2.json</c> and
/// https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListAccounts.html.
/// </summary>
public sealed class OrganizationsClient(AwsSignedHttpClientFactory httpClients, AwsClientFactory factory, IOptions<AwsOptions> options) : IOrganizationsClient
{
    private const string TargetPrefix = "AWSOrganizationsV20161128.";
    private const string SigningService = "organizations";

    // The Organizations endpoint of the aws partition is global and signed for us-east-1.
    private const string SigningRegion = "us-east-1";

    /// <summary>Base delay of the retry backoff.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    public async Task<ListAccountsResponse> ListAccountsAsync(AWSCredentials credentials, ListAccountsRequest request, CancellationToken cancellationToken)
    {
        var body = new Dictionary<string, object>();
        if (!string.IsNullOrEmpty(request.NextToken))
        {
            body["NextToken"] = request.NextToken;
        }

        if (request.MaxResults is { } max)
        {
            body["MaxResults"] = max;
        }

        using var document = await SendAsync(credentials, "ListAccounts", body, cancellationToken);
        var root = document.RootElement;
        var accounts = root.TryGetProperty("Accounts", out var items) && items.ValueKind == JsonValueKind.Array
            ? items.EnumerateArray().Select(a => new OrganizationAccount(
                String(a, "Id"), String(a, "Arn"), String(a, "Name"), String(a, "Email"), String(a, "Status"), String(a, "JoinedMethod"), Timestamp(a, "JoinedTimestamp"))).ToList()
            : [];
        var next = String(root, "NextToken");
        return new ListAccountsResponse(accounts, next.Length == 0 ? null : next);
    }

    public async Task<OrganizationDescription> DescribeOrganizationAsync(AWSCredentials credentials, CancellationToken cancellationToken)
    {
        using var document = await SendAsync(credentials, "DescribeOrganization", new Dictionary<string, object>(), cancellationToken);
        var organization = document.RootElement.TryGetProperty("Organization", out var o) ? o : default;
        return new OrganizationDescription(
            String(organization, "Id"), String(organization, "Arn"), String(organization, "FeatureSet"),
            String(organization, "MasterAccountId"), String(organization, "MasterAccountEmail"));
    }

    private async Task<JsonDocument> SendAsync(AWSCredentials credentials, string action, Dictionary<string, object> body, CancellationToken cancellationToken)
    {
        using var http = httpClients.CreateClient(credentials, SigningRegion, SigningService, factory.EndpointFor(SigningService, SigningRegion));
        try
        {
            return await AwsJsonProtocol.SendAsync(http, TargetPrefix + action, body, options.Value.MaxErrorRetry + 1, RetryBaseDelay, cancellationToken);
        }
        catch (AwsJsonException ex)
        {
            var error = ex.Error;
            throw new OrganizationsException(error.Kind, "organizations:" + action, error.Code, $"organizations:{action}: {error.Code} {error.Message}".TrimEnd(), ex);
        }
    }

    private static string String(JsonElement item, string name) =>
        item.ValueKind == JsonValueKind.Object && item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() ?? string.Empty : string.Empty;

    // The JSON protocols send timestamps as epoch seconds (a number, possibly fractional); accept ISO 8601 too.
    private static DateTimeOffset? Timestamp(JsonElement item, string name) =>
        !item.TryGetProperty(name, out var value) ? null
        : value.ValueKind == JsonValueKind.Number ? DateTimeOffset.FromUnixTimeMilliseconds((long)(value.GetDouble() * 1000))
        : value.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) ? parsed.ToUniversalTime()
        : null;
}
