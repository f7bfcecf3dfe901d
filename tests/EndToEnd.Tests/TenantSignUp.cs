using DigiUsher.Client;
using DigiUsher.Client.DataSource;
using DigiUsher.Client.Tokens;
using DigiUsher.Testing;
using DigiUsher.Testing.Aws;

namespace DigiUsher.EndToEnd.Tests;

/// <summary>Tenants on a running <see cref="ServiceStack"/>, through the typed client: signing up, connecting a payer.</summary>
internal static class TenantSignUp
{
    /// <summary>The stack's public APIs; a stack started without ResourceDiscovery has its client point at a closed port.</summary>
    public static DigiUsherEndpoints Endpoints(this ServiceStack stack) =>
        new(stack["DataSource"].BaseAddress, stack["Query"].BaseAddress,
            stack.Services.FirstOrDefault(s => s.Service == "ResourceDiscovery")?.BaseAddress ?? new Uri("http://127.0.0.1:9/"));

    /// <summary>A new organization's admin, signed in through the typed client (its token renewed as needed).</summary>
    public static async Task<DigiUsherClient> RegisterAsync(this ServiceStack stack, string suffix) =>
        (await stack.RegisterOrganizationAsync(suffix)).Client;

    /// <summary>As <see cref="RegisterAsync"/>, with the new organization's id.</summary>
    public static async Task<(DigiUsherClient Client, Guid OrganizationId)> RegisterOrganizationAsync(this ServiceStack stack, string suffix)
    {
        var email = $"e2e-{suffix}-{Guid.NewGuid():N}@example.com";
        const string password = "correct-horse-battery-staple";
        var client = new DigiUsherClient(stack.Endpoints(), (dataSource, _) => PasswordTokenSource.ForUser(dataSource, email, password));
        var registered = await client.Anonymous.RegisterAsync(new RegisterRequest { Email = email, Password = password, OrganizationName = $"E2E {suffix}" });
        return (client, registered.OrganizationId);
    }

    /// <summary>
    /// Connects <paramref name="account"/>'s payer to the client's organization as a customer would: its read-only
    /// user's keys, and the report under <see cref="CurMonth.Prefix"/> in <paramref name="bucket"/> (its CUR bucket by default).
    /// </summary>
    public static Task<DataSourceView> ConnectPayerAsync(this DigiUsherClient client, AwsAccount account, string name, string? bucket = null) =>
        client.DataSource.CreateDataSourceAsync(new CreateDataSourceRequest
        {
            Name = name, Kind = "aws-root", AccessKeyId = account.AccessKeyId, SecretAccessKey = account.SecretAccessKey,
            Bucket = bucket ?? account.CurBucket, Prefix = CurMonth.Prefix, Region = "us-east-1",
        });
}
