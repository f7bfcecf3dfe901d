using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Dapper;
using DigiUsher.Contracts;
using DigiUsher.DataSource.Tests.Infrastructure;
using DigiUsher.ServiceDefaults.Security;
using DigiUsher.Testing;
using MassTransit;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DigiUsher.DataSource.Tests;

/// <summary>
/// A key rotation as an operator does it: DataSource runs with the old key, then with a new key on
/// top, <c>digiusher-admin secrets rekey</c> re-encrypts every secret, then DataSource runs with only
/// the new key and every data source still answers its credentials.
/// </summary>
public class SecretsRekeyTests
{
    [Fact]
    public async Task SecretsRekey_WhenTheOldKeyIsThenRemoved_EveryDataSourceStillAnswersItsCredentials()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var vhost = await TestVirtualHost.CreateAsync();
        await using var bus = await PeerBus.StartAsync(vhost, answerCredentials: false);
        var oldKey = TestEnvironment.EncryptionKey;
        var newKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        // Two organizations (one payer account can be connected once per organization), one data source each.
        var secrets = new Dictionary<Guid, (Guid OrganizationId, string AccessKeyId, string Secret)>();
        await using (var before = await StartAsync(database, vhost, ("old", oldKey)))
        {
            foreach (var n in new[] { 1, 2 })
            {
                var bucket = AwsFixtures.NewBucketName();
                using (var s3 = AwsFixtures.S3(TestEnvironment.SharedMotoUrl))
                {
                    await AwsFixtures.CreateCurBucketAsync(s3, bucket, string.Empty, "hourly", withDataFile: false);
                }

                using var http = before.CreateClient();
                var tenant = await RegisterAsync(http);
                http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", tenant.AccessToken);
                var secret = $"rekey-secret-{n}-{Guid.NewGuid():N}";
                var created = await http.PostAsJsonAsync("/api/v1/data-sources", new { name = $"Payer {n}", kind = "aws-root", accessKeyId = $"AKIAREKEY{n}EXAMPLE00", secretAccessKey = secret, bucket });
                Assert.Equal(HttpStatusCode.Created, created.StatusCode);
                secrets[(await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid()] = (tenant.OrganizationId, $"AKIAREKEY{n}EXAMPLE00", secret);
            }
        }

        await using (var rotating = await StartAsync(database, vhost, ("new", newKey), ("old", oldKey)))
        {
            var (exitCode, output) = await AdminTool.RunAsync(vhost.Name, $"DataSource={rotating.BaseAddress}", null, "secrets", "rekey");
            Assert.True(exitCode == 0, output);
            Assert.Contains("Re-encrypted with key new: 2; already on it: 0", output, StringComparison.Ordinal);
            var again = await AdminTool.RunAsync(vhost.Name, $"DataSource={rotating.BaseAddress}", null, "secrets", "rekey");
            Assert.Contains("Re-encrypted with key new: 0; already on it: 2", again.Output, StringComparison.Ordinal);
        }

        await using var after = await StartAsync(database, vhost, ("new", newKey));
        await using (var connection = new NpgsqlConnection(database.AdminConnectionString))
        {
            Assert.Equal(["new"], await connection.QueryAsync<string>("select distinct secret_key_id from datasource.data_sources"));
        }

        var sealer = new CredentialSealer(Options.Create(new CredentialTransportOptions { TransportKey = TestEnvironment.TransportKey }));
        foreach (var (id, (organizationId, accessKeyId, secret)) in secrets)
        {
            var answer = await bus.RequestCredentialsAsync(organizationId, id);
            Assert.True(answer.Is(out Response<AwsCredentialsIssued>? issued), $"{id}: credentials unavailable with only the new key");
            Assert.Equal(accessKeyId, issued!.Message.AccessKeyId);
            Assert.Equal(secret, sealer.Open(issued.Message.SealedSecretAccessKey));
        }
    }

    [Fact]
    public async Task SecretsRekey_WithoutTheSigningKeysToken_IsRefused()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var vhost = await TestVirtualHost.CreateAsync();
        await using var service = await StartAsync(database, vhost, ("old", TestEnvironment.EncryptionKey));
        using var http = service.CreateClient();

        var anonymous = await http.PostAsync("/internal/v1/admin/secrets/rekey", null);
        var tenant = await RegisterAsync(http);
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", tenant.AccessToken);
        var asTenant = await http.PostAsync("/internal/v1/admin/secrets/rekey", null);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, asTenant.StatusCode);
    }

    private static async Task<ServiceProcess> StartAsync(TestDatabase database, TestVirtualHost vhost, params (string Id, string Key)[] keys)
    {
        var environment = ServiceProcess.EnvironmentFor("DataSource", database, vhost);
        environment.Remove("Credentials__EncryptionKeys__0__Id");
        environment.Remove("Credentials__EncryptionKeys__0__Key");
        for (var i = 0; i < keys.Length; i++)
        {
            environment[$"Credentials__EncryptionKeys__{i}__Id"] = keys[i].Id;
            environment[$"Credentials__EncryptionKeys__{i}__Key"] = keys[i].Key;
        }

        await ServiceProcess.MigrateAsync("DataSource", environment);
        return await ServiceProcess.StartAsync("DataSource", environment, readyTimeout: TimeSpan.FromSeconds(90));
    }

    private static async Task<(Guid OrganizationId, string AccessToken)> RegisterAsync(HttpClient http)
    {
        var email = $"admin-{Guid.NewGuid():N}@example.com";
        const string password = "correct horse battery staple";
        var registered = await http.PostAsJsonAsync("/api/v1/auth/register", new { email, password, organizationName = "Rekey " + Guid.NewGuid().ToString("N")[..6] });
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        var organizationId = (await registered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("organizationId").GetGuid();
        var token = await http.PostAsJsonAsync("/api/v1/auth/token", new { email, password });
        return (organizationId, (await token.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!);
    }
}
