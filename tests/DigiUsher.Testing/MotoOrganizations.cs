using System.Text.Json;
using Amazon.Runtime;
using DigiUsher.Aws.Signing;

namespace DigiUsher.Testing;

/// <summary>
/// Sets up AWS Organizations in moto (CreateOrganization, CreateAccount): moto answers CreateAccount
/// with the account already created and lists it with its name at once.
/// </summary>
public static class MotoOrganizations
{
    /// <summary>moto's default account, which <see cref="CreateOrganizationAsync"/> makes the management account.</summary>
    public static readonly BasicAWSCredentials Root = new("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");

    public static async Task CreateOrganizationAsync(string serviceUrl, AWSCredentials? credentials = null)
    {
        using var answer = await SendAsync(serviceUrl, credentials ?? Root, "CreateOrganization", new Dictionary<string, object> { ["FeatureSet"] = "ALL" });
    }

    /// <summary>Creates a member account named <paramref name="name"/> and returns its id.</summary>
    public static async Task<string> CreateAccountAsync(string serviceUrl, string name, AWSCredentials? credentials = null)
    {
        using var answer = await SendAsync(serviceUrl, credentials ?? Root, "CreateAccount", new Dictionary<string, object> { ["AccountName"] = name, ["Email"] = $"{name}@example.com" });
        return answer.RootElement.GetProperty("CreateAccountStatus").GetProperty("AccountId").GetString()!;
    }

    private static async Task<JsonDocument> SendAsync(string serviceUrl, AWSCredentials credentials, string action, Dictionary<string, object> body)
    {
        using var factory = new AwsSignedHttpClientFactory();
        using var http = factory.CreateClient(credentials, "us-east-1", "organizations", new Uri(serviceUrl.TrimEnd('/') + "/"));
        return await AwsJsonProtocol.SendAsync(http, "AWSOrganizationsV20161128." + action, body, 1, TimeSpan.Zero, CancellationToken.None);
    }
}
