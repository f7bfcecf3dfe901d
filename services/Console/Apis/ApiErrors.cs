using System.Net;
using System.Text.Json;

namespace DigiUsher.Console.Apis;

/// <summary>An API answered with an RFC 7807 problem (or an error without one): what a person can act on.</summary>
public sealed class ApiProblemException(string api, HttpStatusCode status, string title, string? detail, IReadOnlyDictionary<string, string[]> errors, JsonElement? body)
    : Exception($"{api} answered {(int)status}: {title} {detail}")
{
    public string Api { get; } = api;

    public HttpStatusCode Status { get; } = status;

    public string Title { get; } = title;

    public string? Detail { get; } = detail;

    /// <summary>Field errors of a validation problem, by the API's field name.</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors;

    /// <summary>The whole problem, for its extensions (e.g. the validation report of a refused connection).</summary>
    public JsonElement? Body { get; } = body;

    public bool IsServerError => (int)Status >= 500;

    public T? Extension<T>(string name) =>
        Body is { ValueKind: JsonValueKind.Object } body && body.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value.Deserialize<T>(System.Text.Json.JsonSerializerOptions.Web)
            : default;
}

/// <summary>The API could not be reached or did not answer in time.</summary>
public sealed class ApiUnavailableException(string api, Exception inner) : Exception($"The {api} service does not answer.", inner)
{
    public string Api { get; } = api;
}

/// <summary>The session ended (expired, signed out elsewhere): the person must sign in again.</summary>
public sealed class SessionExpiredException() : Exception("Your session has ended.");

/// <summary>What a person reads for a failed call: never a stack trace.</summary>
public static class ApiErrorText
{
    public static string For(Exception error) => error switch
    {
        SessionExpiredException => "Your session has ended. Sign in again; what you typed on this page is kept.",
        ApiUnavailableException unavailable => $"The {unavailable.Api} service does not answer right now. Try again in a minute; if it keeps failing, tell your DigiUsher operator.",
        ApiProblemException { IsServerError: true } problem =>
            $"The {problem.Api} service failed ({(int)problem.Status}{(problem.Title.Length > 0 ? ": " + problem.Title : "")}). Nothing was changed by this error; try again in a minute, and tell your DigiUsher operator if it persists.",
        ApiProblemException { Status: HttpStatusCode.Forbidden } => "Only an admin of your organization can do this.",
        ApiProblemException problem => problem.Detail is { Length: > 0 } detail ? $"{problem.Title}: {detail}" : problem.Title,
        _ => "Something went wrong in the console. Try again; if it persists, tell your DigiUsher operator.",
    };
}
