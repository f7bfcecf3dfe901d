using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DigiUsher.ServiceDefaults.Hosting;

/// <summary>
/// Reads a JSON request body so that malformed JSON, a wrong type or an unknown field gets a problem
/// naming it (the framework's binder answers a bare 400), and a body that is not an object is refused.
/// Every API reads its bodies with it.
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
            var value = await JsonSerializer.DeserializeAsync<T>(request.Body, Json, cancellationToken);
            return value is null
                ? (null, BadJson("The request body is empty or null; a JSON object is expected."))
                : (value, null);
        }
        catch (JsonException ex)
        {
            var where = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "the body" : $"'{ex.Path.TrimStart('$', '.')}'";
            var what = ex.Message.Contains("could not be mapped", StringComparison.Ordinal)
                ? $"Unknown field {where}."
                : ex.LineNumber is { } line
                    ? $"The JSON is malformed or has a wrong type at {where} (line {line + 1}, byte {ex.BytePositionInLine + 1})."
                    : $"The JSON has a wrong type at {where}.";
            return (null, BadJson(what));
        }
    }

    private static ProblemHttpResult BadJson(string detail) => TypedResults.Problem(
        statusCode: StatusCodes.Status400BadRequest,
        title: "The request body is not valid",
        detail: detail);

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions();
        ServiceDefaultsExtensions.ConfigureJson(options);
        options.PropertyNameCaseInsensitive = true;
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        return options;
    }
}
