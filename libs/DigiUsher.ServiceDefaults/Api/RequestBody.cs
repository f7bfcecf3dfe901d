using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DigiUsher.ServiceDefaults.Api;

/// <summary>
/// Reads a JSON request body so that malformed JSON, a wrong type or unknown fields get a problem
/// naming them (the framework's binder answers a bare 400, and System.Text.Json stops at the first
/// unknown field), and a body that is not an object is refused. Every API reads its bodies with it.
/// </summary>
public static class RequestBody
{
    private static readonly JsonSerializerOptions Json = CreateJson();

    public static async Task<(T? Value, ProblemHttpResult? Problem)> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken)
        where T : class
    {
        if (!request.HasJsonContentType())
        {
            return (null, TypedResults.Problem(
                statusCode: StatusCodes.Status415UnsupportedMediaType,
                title: "The request body must be JSON",
                detail: "Send the body with Content-Type: application/json."));
        }

        try
        {
            var node = await JsonNode.ParseAsync(request.Body, new JsonNodeOptions(), new JsonDocumentOptions { MaxDepth = Json.MaxDepth, AllowDuplicateProperties = false }, cancellationToken);
            if (node is null)
            {
                return (null, BadJson("The request body is empty or null; a JSON object is expected.", []));
            }

            var unknown = new List<string>();
            var allowed = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
            UnknownFields(node, Json.GetTypeInfo(typeof(T)), string.Empty, unknown, allowed);
            if (unknown.Count > 0)
            {
                var where = string.Join("; ", allowed.Select(a => $"{(a.Key.Length == 0 ? "the body" : $"'{a.Key}'")} takes {string.Join(", ", a.Value)}"));
                return (null, BadJson(
                    $"Unknown field{(unknown.Count == 1 ? "" : "s")} {string.Join(", ", unknown.Select(u => $"'{u}'"))}: {where}.",
                    unknown, allowed));
            }

            var value = node.Deserialize<T>(Json);
            return value is null ? (null, BadJson("The request body is empty or null; a JSON object is expected.", [])) : (value, null);
        }
        catch (JsonException ex)
        {
            var where = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "the body" : $"'{ex.Path.TrimStart('$', '.')}'";
            var what = ex.LineNumber is { } line
                ? $"The JSON is malformed or has a wrong type at {where} (line {line + 1}, byte {ex.BytePositionInLine + 1})."
                : $"The JSON has a wrong type at {where}.";
            return (null, BadJson(what, []));
        }
    }

    /// <summary>Collects the paths of fields <paramref name="type"/> (and the objects inside it) does not have.</summary>
    private static void UnknownFields(JsonNode? node, JsonTypeInfo type, string path, List<string> unknown, Dictionary<string, IReadOnlyList<string>> allowed)
    {
        switch (node, type.Kind)
        {
            case (JsonObject obj, JsonTypeInfoKind.Object):
                foreach (var (name, value) in obj)
                {
                    var field = path.Length == 0 ? name : $"{path}.{name}";
                    var property = type.Properties.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
                    if (property is null)
                    {
                        unknown.Add(field.Length <= 128 ? field : field[..128] + "...");
                        if (allowed.Count < 16)
                        {
                            allowed.TryAdd(path, [.. type.Properties.Select(p => p.Name)]);
                        }
                    }
                    else
                    {
                        UnknownFields(value, Json.GetTypeInfo(property.PropertyType), field, unknown, allowed);
                    }
                }

                break;
            case (JsonArray array, JsonTypeInfoKind.Enumerable) when type.ElementType is { } element:
                for (var i = 0; i < array.Count; i++)
                {
                    UnknownFields(array[i], Json.GetTypeInfo(element), $"{path}[{i}]", unknown, allowed);
                }

                break;
        }
    }

    private static ProblemHttpResult BadJson(string detail, IReadOnlyList<string> unknownFields, IReadOnlyDictionary<string, IReadOnlyList<string>>? allowedFields = null) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status400BadRequest,
            title: "The request body is not valid",
            detail: detail,
            extensions: unknownFields.Count == 0 ? null : new Dictionary<string, object?> { ["unknownFields"] = unknownFields, ["allowedFields"] = allowedFields });

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions();
        ServiceDefaultsExtensions.ConfigureJson(options);
        options.PropertyNameCaseInsensitive = true;
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.TypeInfoResolver = new DefaultJsonTypeInfoResolver();
        options.MakeReadOnly();
        return options;
    }
}
