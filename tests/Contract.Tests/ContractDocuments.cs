using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DigiUsher.Testing;
using Json.Schema;

namespace DigiUsher.Contract.Tests;

/// <summary>One operation of a committed document: its route as a pattern and its declared answers.</summary>
public sealed record ContractOperation(string Document, string OperationId, string Method, string Route, Regex Pattern, JsonObject Responses)
{
    /// <summary>Literal routes win over templated ones (/owner-rules/order before /owner-rules/{id}).</summary>
    public int Templates { get; } = Route.Count(c => c == '{');
}

/// <summary>
/// The committed OpenAPI documents (openapi/*.json), read as JSON Schema 2020-12 (what OpenAPI 3.1
/// schemas are): checks a recorded answer against what its operation declares for its status.
/// </summary>
public sealed class ContractDocuments
{
    public static readonly IReadOnlyList<string> Names = ["data-source", "query", "resource-discovery"];

    private static readonly EvaluationOptions Strict = new() { OutputFormat = OutputFormat.List, RequireFormatValidation = true };
    private readonly Dictionary<string, JsonObject> _documents;
    private readonly ConcurrentDictionary<string, JsonSchema> _schemas = new();

    // Schemas register globally by base URI: each instance keeps its own.
    private readonly Guid _instance = Guid.NewGuid();

    static ContractDocuments()
    {
        // OpenAPI's own formats (its format registry), which JSON Schema does not know: numbers that fit.
        FormatRegistry.Global.Register(new PredicateFormat("int32", e => e.ValueKind != JsonValueKind.Number || e.TryGetInt32(out _)));
        FormatRegistry.Global.Register(new PredicateFormat("int64", e => e.ValueKind != JsonValueKind.Number || e.TryGetInt64(out _)));
        FormatRegistry.Global.Register(new PredicateFormat("double", e => e.ValueKind != JsonValueKind.Number || e.TryGetDouble(out _)));
        FormatRegistry.Global.Register(new PredicateFormat("decimal", e => e.ValueKind != JsonValueKind.Number || e.TryGetDecimal(out _)));
    }

    public ContractDocuments()
    {
        _documents = Names.ToDictionary(n => n, n => JsonNode.Parse(File.ReadAllText(Path.Combine(TestEnvironment.RepositoryRoot, "openapi", n + ".json")))!.AsObject());
        Operations = _documents.SelectMany(d => d.Value["paths"]!.AsObject().SelectMany(path => path.Value!.AsObject()
                .Where(o => o.Value?["operationId"] is not null)
                .Select(o => new ContractOperation(d.Key, o.Value!["operationId"]!.GetValue<string>(), o.Key.ToUpperInvariant(), path.Key,
                    new Regex("^" + Regex.Replace(Regex.Escape(path.Key), @"\\\{[^/]+?}", "[^/]+") + "$", RegexOptions.CultureInvariant),
                    o.Value!["responses"]!.AsObject()))))
            .OrderBy(o => o.Templates)
            .ToList();
    }

    public IReadOnlyList<ContractOperation> Operations { get; }

    /// <summary>The operation answering <paramref name="method"/> on <paramref name="path"/> of <paramref name="document"/>.</summary>
    public ContractOperation? Find(string document, string method, string path) =>
        Operations.FirstOrDefault(o => o.Document == document && o.Method == method && o.Pattern.IsMatch(path));

    /// <summary>What is wrong with an answer, by the document: an undeclared status or media type, or a body off its schema.</summary>
    public IEnumerable<string> Violations(ContractOperation operation, RecordedExchange exchange)
    {
        var status = ((int)exchange.Status).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (operation.Responses[status] is not JsonObject declared)
        {
            yield return $"{status} is not declared";
            yield break;
        }

        if (declared["content"] is not JsonObject content || content.Count == 0)
        {
            if (exchange.Body.Length > 0)
            {
                yield return $"{status} declares no body but answered {exchange.MediaType}";
            }

            yield break;
        }

        if (exchange.MediaType is null || content[exchange.MediaType] is not JsonObject media)
        {
            yield return $"{status} answered {exchange.MediaType ?? "no media type"}, declared {string.Join(", ", content.Select(c => c.Key))}";
            yield break;
        }

        if (!exchange.MediaType.EndsWith("json", StringComparison.Ordinal))
        {
            yield break;
        }

        var schema = _schemas.GetOrAdd($"{operation.Document} {operation.OperationId} {status} {exchange.MediaType}",
            key => Build(operation.Document, media["schema"]!, key));
        using var body = JsonDocument.Parse(exchange.Body);
        var result = schema.Evaluate(body.RootElement, Strict);
        if (!result.IsValid)
        {
            foreach (var detail in (result.Details ?? []).Where(d => d.Errors is { Count: > 0 }))
            {
                foreach (var (keyword, error) in detail.Errors!)
                {
                    yield return $"{status} body at '{detail.InstanceLocation}' ({keyword} of {detail.EvaluationPath}): {error}";
                }
            }
        }
    }

    /// <summary>
    /// The response schema with the document's components as <c>$defs</c>, every object schema closed
    /// (<c>unevaluatedProperties: false</c>) so a field the service writes but the document omits is
    /// caught too; problem details stay open (RFC 9457 extension members).
    /// </summary>
    private JsonSchema Build(string document, JsonNode responseSchema, string key)
    {
        var definitions = _documents[document]["components"]!["schemas"]!.DeepClone().AsObject();
        foreach (var (name, definition) in definitions)
        {
            if (!name.Contains("ProblemDetails", StringComparison.Ordinal))
            {
                Close(definition);
            }
        }

        var root = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$defs"] = definitions,
            ["allOf"] = new JsonArray(responseSchema.DeepClone()),
        };
        var text = root.ToJsonString().Replace("#/components/schemas/", "#/$defs/", StringComparison.Ordinal);
        return JsonSchema.FromText(text, baseUri: new Uri($"https://contract.digiusher.test/{_instance}/{Uri.EscapeDataString(key)}"));
    }

    private static void Close(JsonNode? schema)
    {
        if (schema is not JsonObject obj)
        {
            return;
        }

        if (obj["properties"] is JsonObject { Count: > 0 } properties && obj["additionalProperties"] is null)
        {
            obj["unevaluatedProperties"] = false;
            foreach (var (_, property) in properties)
            {
                Close(property);
            }
        }

        Close(obj["items"]);
        foreach (var combinator in new[] { "oneOf", "anyOf", "allOf" })
        {
            foreach (var branch in obj[combinator]?.AsArray() ?? [])
            {
                Close(branch);
            }
        }
    }
}
