using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using DigiUsher.DataSource.Tests.Infrastructure;

namespace DigiUsher.DataSource.Tests;

public class BadInputTests
{
    private static readonly string[] InvalidBuckets = ["ab", "My_Bucket", "192.168.0.1", "bucket..name", "-bucket", "bucket-", "xn--bucket", new string('a', 64)];

    [Fact]
    public async Task EveryEndpoint_WhenTheInputIsBad_AnswersProblemDetailsAndCreatesNothing()
    {
        // More bad bodies than one organization's connection checks allow a minute (the limiter counts a
        // request before its body is read); the limit itself is PollRateLimitTests' and TenantRateLimitTests'.
        await using var host = await DataSourceHost.StartAsync(extraSettings: new Dictionary<string, string>
        {
            ["RateLimits__Validations__Burst"] = "1000", ["RateLimits__Validations__PerMinute"] = "1000",
        });
        var bucket = AwsFixtures.NewBucketName();
        using (var s3 = AwsFixtures.S3(host.MotoUrl))
        {
            await AwsFixtures.CreateCurBucketAsync(s3, bucket, string.Empty, "daily", withDataFile: false);
        }

        var admin = await host.RegisterAsync();
        using var client = host.CreateClient(admin.Token);
        var created = await client.PostAsJsonAsync("/api/v1/data-sources", new { name = "Seed", kind = "aws-root", accessKeyId = "AKIAIOSFODNN7EXAMPLE", secretAccessKey = "seed-secret", bucket });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var before = await CountsAsync(host);

        var endpoints = new (HttpMethod Method, string Path, string[] RequiredFields)[]
        {
            (HttpMethod.Post, "/api/v1/auth/register", ["email", "password", "organizationName"]),
            (HttpMethod.Post, "/api/v1/auth/token", ["email"]),
            (HttpMethod.Post, "/api/v1/auth/invitations/accept", ["invitationCode", "password"]),
            (HttpMethod.Post, "/api/v1/users", ["email", "role"]),
            (HttpMethod.Post, "/api/v1/service-clients", ["name"]),
            (HttpMethod.Post, "/api/v1/data-sources", ["name", "kind", "accessKeyId", "bucket"]),
            (HttpMethod.Patch, $"/api/v1/data-sources/{id}", ["body"]),
        };
        foreach (var (method, path, required) in endpoints)
        {
            var field = required[0] == "body" ? "name" : required[0];
            var malformed = await SendAsync(client, method, path, $$"""{"{{field}}": "x", """);
            await AssertProblemAsync(malformed, HttpStatusCode.BadRequest, "malformed", path);

            var wrongType = await SendAsync(client, method, path, $$"""{"{{field}}": 42}""");
            await AssertProblemAsync(wrongType, HttpStatusCode.BadRequest, "wrong type", path);

            var unknownFields = await SendAsync(client, method, path, """{"nmae": "typo", "colour": 1}""");
            await AssertProblemAsync(unknownFields, HttpStatusCode.BadRequest, "Unknown fields 'nmae', 'colour'", path);

            var notJson = await client.SendAsync(new HttpRequestMessage(method, path) { Content = new StringContent("name=x", Encoding.UTF8, "text/plain") });
            await AssertProblemAsync(notJson, HttpStatusCode.UnsupportedMediaType, null, path);

            var empty = await SendAsync(client, method, path, "{}");
            var problem = await AssertProblemAsync(empty, HttpStatusCode.BadRequest, null, path);
            var errors = problem.GetProperty("errors");
            Assert.All(required, field => Assert.True(errors.TryGetProperty(field, out _), $"{path} does not name the missing '{field}': {problem}"));
        }

        var tooLong = new string('x', 300);
        var overLong = new (HttpMethod Method, string Path, string Body, string Field)[]
        {
            (HttpMethod.Post, "/api/v1/auth/register", Json(new { email = tooLong + "@example.com", password = "long enough password", organizationName = "Acme" }), "email"),
            (HttpMethod.Post, "/api/v1/auth/register", Json(new { email = "a@example.com", password = tooLong, organizationName = "Acme" }), "password"),
            (HttpMethod.Post, "/api/v1/auth/register", Json(new { email = "a@example.com", password = "long enough password", organizationName = tooLong }), "organizationName"),
            (HttpMethod.Post, "/api/v1/users", Json(new { email = tooLong + "@example.com", role = "member" }), "email"),
            (HttpMethod.Post, "/api/v1/service-clients", Json(new { name = tooLong }), "name"),
            (HttpMethod.Post, "/api/v1/data-sources", Json(new { name = tooLong, kind = "aws-root", accessKeyId = "AKIAIOSFODNN7EXAMPLE", secretAccessKey = "s", bucket }), "name"),
            (HttpMethod.Post, "/api/v1/data-sources", Json(new { name = "n", kind = "aws-root", accessKeyId = "AKIAIOSFODNN7EXAMPLE", secretAccessKey = tooLong, bucket }), "secretAccessKey"),
            (HttpMethod.Post, "/api/v1/data-sources", Json(new { name = "n", kind = "aws-root", accessKeyId = "AKIAIOSFODNN7EXAMPLE", secretAccessKey = "s", bucket, prefix = new string('p', 513) }), "prefix"),
            (HttpMethod.Post, "/api/v1/data-sources", Json(new { name = "n", kind = "aws-root", accessKeyId = "AKIAIOSFODNN7EXAMPLE", secretAccessKey = "s", bucket, reportName = new string('r', 257) }), "reportName"),
            (HttpMethod.Patch, $"/api/v1/data-sources/{id}", Json(new { name = tooLong }), "name"),
            (HttpMethod.Patch, $"/api/v1/data-sources/{id}", Json(new { roleArn = "arn:aws:iam::123456789012:role/" + tooLong + tooLong + tooLong + tooLong + tooLong + tooLong + tooLong, externalId = "ext-id" }), "roleArn"),
        };
        foreach (var (method, path, body, field) in overLong)
        {
            var problem = await AssertProblemAsync(await SendAsync(client, method, path, body), HttpStatusCode.BadRequest, null, path);
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{path} does not name '{field}': {problem}");
        }

        foreach (var invalid in InvalidBuckets)
        {
            var create = await client.PostAsJsonAsync("/api/v1/data-sources", new { name = "n", kind = "aws-root", accessKeyId = "AKIAIOSFODNN7EXAMPLE", secretAccessKey = "s", bucket = invalid });
            var createProblem = await AssertProblemAsync(create, HttpStatusCode.BadRequest, "not a valid S3 bucket name", "create " + invalid);
            Assert.True(createProblem.GetProperty("errors").TryGetProperty("bucket", out _));
            var patch = await client.PatchAsync($"/api/v1/data-sources/{id}", AwsFixtures.Json(Json(new { bucket = invalid })));
            await AssertProblemAsync(patch, HttpStatusCode.BadRequest, "not a valid S3 bucket name", "patch " + invalid);
            var setup = await client.GetAsync($"/api/v1/aws/setup?bucket={Uri.EscapeDataString(invalid)}");
            await AssertProblemAsync(setup, HttpStatusCode.BadRequest, "not a valid S3 bucket name", "setup " + invalid);
        }

        await AssertProblemAsync(await client.GetAsync("/api/v1/aws/setup"), HttpStatusCode.BadRequest, "'bucket' is required", "setup without bucket");
        await AssertProblemAsync(await client.GetAsync("/api/v1/data-sources?limit=0"), HttpStatusCode.BadRequest, "limit", "list limit");
        await AssertProblemAsync(await client.GetAsync("/api/v1/data-sources?cursor=garbage"), HttpStatusCode.BadRequest, "cursor", "list cursor");
        await AssertProblemAsync(await client.GetAsync("/api/v1/data-sources?limt=5&sort=name"), HttpStatusCode.BadRequest, "'limt', 'sort'", "unknown list parameters");
        await AssertProblemAsync(await client.GetAsync($"/api/v1/data-sources/{id}?expand=validation"), HttpStatusCode.BadRequest, "'expand'", "unknown parameter");
        await AssertProblemAsync(
            await client.PostAsJsonAsync("/api/v1/data-sources", new { name = "n", kind = "gcp", accessKeyId = "AKIAIOSFODNN7EXAMPLE", secretAccessKey = "s", roleArn = "arn:aws:iam::123456789012:role/r", externalId = "e1", bucket }),
            HttpStatusCode.BadRequest, "aws-root", "kind and both credential kinds");

        Assert.Equal(before, await CountsAsync(host));
        var stored = await client.GetFromJsonAsync<JsonElement>($"/api/v1/data-sources/{id}");
        Assert.Equal("Seed", stored.GetProperty("name").GetString());
        Assert.Equal(bucket, stored.GetProperty("bucket").GetString());
    }

    [Fact]
    public async Task Create_WhenTheBucketDoesNotExist_Returns422AndCreatesNothing()
    {
        await using var host = await DataSourceHost.StartAsync();
        var admin = await host.RegisterAsync();
        using var client = host.CreateClient(admin.Token);

        var response = await client.PostAsJsonAsync("/api/v1/data-sources", new
        {
            name = "n", kind = "aws-root", accessKeyId = "AKIAIOSFODNN7EXAMPLE", secretAccessKey = "s", bucket = AwsFixtures.NewBucketName(),
        });

        var problem = await AssertProblemAsync(response, HttpStatusCode.UnprocessableEntity, "does not exist", "missing bucket");
        Assert.Equal("bucket-not-found", problem.GetProperty("outcome").GetString());
        Assert.Equal(0, await host.CountAsync("data_sources"));
        Assert.Equal(0, await host.CountAsync("outbox"));
    }

    private static string Json(object value) => JsonSerializer.Serialize(value);

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, string body) =>
        client.SendAsync(new HttpRequestMessage(method, path) { Content = AwsFixtures.Json(body) });

    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? detailContains, string what)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{what}: expected {status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        if (detailContains is not null)
        {
            Assert.True(text.Contains(detailContains, StringComparison.Ordinal), $"{what}: the problem does not say '{detailContains}': {text}");
        }

        return problem;
    }

    private static async Task<(long, long, long, long, long)> CountsAsync(DataSourceHost host) => (
        await host.CountAsync("organizations"),
        await host.CountAsync("users"),
        await host.CountAsync("service_clients"),
        await host.CountAsync("data_sources"),
        await host.CountAsync("outbox"));
}
