using System.Text.Json;
using DigiUsher.Testing;

namespace DigiUsher.Foundation.Tests;

/// <summary>
/// The committed OpenAPI documents (<c>openapi/</c>) are the contract: they must be what the build
/// produces, and complete enough to generate a client from.
/// </summary>
public class OpenApiDocumentTests
{
    public static TheoryData<string, string> Documents => new()
    {
        { "DataSource", "data-source" },
        { "Query", "query" },
        { "ResourceDiscovery", "resource-discovery" },
    };

    [Theory]
    [MemberData(nameof(Documents))]
    public void CommittedDocument_WhenTheBuildProducesItAgain_IsTheSame(string service, string name)
    {
        var built = Path.Combine(TestEnvironment.RepositoryRoot, "services", service, "obj", "openapi", name + ".json");
        var committed = Path.Combine(TestEnvironment.RepositoryRoot, "openapi", name + ".json");
        Assert.True(File.Exists(built), $"Build the solution first: {built} is missing.");
        Assert.True(File.Exists(committed), $"openapi/{name}.json is missing: run scripts/dev openapi and commit openapi/.");
        Assert.True(
            File.ReadAllText(built).ReplaceLineEndings() == File.ReadAllText(committed).ReplaceLineEndings(),
            $"openapi/{name}.json differs from what the build produces ({built}): the {service} API changed. "
            + "Review the difference, run scripts/dev openapi and commit openapi/ with the change.");
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public void EveryOperation_IsDescribedCompletely(string service, string name)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestEnvironment.RepositoryRoot, "openapi", name + ".json")));
        var root = document.RootElement;
        Assert.StartsWith("3.1", root.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        var schemes = root.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("bearer", schemes.GetProperty("bearer").GetProperty("scheme").GetString());
        Assert.Equal("/connect/token", schemes.GetProperty("oauth2").GetProperty("flows").GetProperty("clientCredentials").GetProperty("tokenUrl").GetString());
        var problems = new List<string>();
        foreach (var path in root.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var where = $"{service} {operation.Name.ToUpperInvariant()} {path.Name}";
                var op = operation.Value;
                if (!op.TryGetProperty("operationId", out _) || !op.TryGetProperty("summary", out _))
                {
                    problems.Add($"{where}: no operationId or summary");
                }

                foreach (var parameter in op.TryGetProperty("parameters", out var parameters) ? parameters.EnumerateArray() : [])
                {
                    if (!parameter.TryGetProperty("schema", out _) || (parameter.GetProperty("in").GetString() == "query" && !parameter.TryGetProperty("description", out _)))
                    {
                        problems.Add($"{where}: parameter {parameter.GetProperty("name")} has no schema or description");
                    }
                }

                var responses = op.GetProperty("responses");
                var success = responses.EnumerateObject().Where(r => r.Name.StartsWith('2')).ToList();
                if (success.Count == 0 || success.Any(r => r.Name is "200" or "201" && !r.Value.TryGetProperty("content", out _)))
                {
                    problems.Add($"{where}: no success response with a body schema");
                }

                // The token endpoint answers RFC 6749's error JSON (with the problem members too): what OAuth libraries read.
                foreach (var failure in responses.EnumerateObject().Where(r => r.Name[0] is '4' or '5' && !path.Name.StartsWith("/connect/", StringComparison.Ordinal)))
                {
                    if (!failure.Value.TryGetProperty("content", out var content) || !content.TryGetProperty("application/problem+json", out _))
                    {
                        problems.Add($"{where}: {failure.Name} is not problem details");
                    }
                }

                // Signing in and the OAuth 2.0 endpoints and documents are anonymous by nature.
                var anonymous = path.Name.StartsWith("/api/v1/auth", StringComparison.Ordinal) || path.Name.StartsWith("/connect/", StringComparison.Ordinal)
                    || path.Name.StartsWith("/.well-known/", StringComparison.Ordinal);
                if (!anonymous && !op.TryGetProperty("security", out _))
                {
                    problems.Add($"{where}: no security requirement");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }
}
