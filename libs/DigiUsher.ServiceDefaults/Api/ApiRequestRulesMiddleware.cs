using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DigiUsher.ServiceDefaults.Api;

/// <summary>
/// The request rules every API endpoint (<c>/api/...</c>, <c>/internal/...</c>) shares: a query parameter
/// the endpoint does not declare (<see cref="DeclaredParameters"/>; none declared means none taken) is
/// refused with one 400 naming each, and a <see cref="BadParameterException"/> thrown while answering
/// becomes a 400 naming its parameter.
/// </summary>
public sealed class ApiRequestRulesMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (!IsApi(context.Request.Path) || context.GetEndpoint() is not { } endpoint)
        {
            await next(context);
            return;
        }

        var declared = endpoint.Metadata.GetMetadata<DeclaredParameters>()?.Parameters ?? [];
        var unknown = context.Request.Query.Keys.Where(k => !declared.Any(p => p.Matches(k))).Order(StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            await Unknown(unknown, declared).ExecuteAsync(context);
            return;
        }

        try
        {
            await next(context);
        }
        catch (BadParameterException ex) when (!context.Response.HasStarted)
        {
            await Problem(ex).ExecuteAsync(context);
        }
    }

    /// <summary>The 400 for a <see cref="BadParameterException"/>.</summary>
    public static ValidationProblem Problem(BadParameterException ex) => TypedResults.ValidationProblem(
        new Dictionary<string, string[]> { [ex.Parameter] = [ex.Message] },
        detail: ex.Message,
        title: $"Invalid parameter '{ex.Parameter}'",
        extensions: ex.Allowed is null ? null : new Dictionary<string, object?> { ["allowed"] = ex.Allowed });

    private static ValidationProblem Unknown(IReadOnlyList<string> unknown, IReadOnlyList<ApiParameter> declared)
    {
        var accepted = declared.Count == 0
            ? "this operation takes no query parameters."
            : "this operation takes " + string.Join(", ", declared.Select(p => p.Prefix ? p.Name + "KEY" : p.Name)) + ".";
        var errors = unknown.Select(Printable).Distinct(StringComparer.Ordinal)
            .ToDictionary(name => name, name => new[] { $"Unknown query parameter '{name}'; {accepted}" }, StringComparer.Ordinal);
        return TypedResults.ValidationProblem(
            errors,
            title: unknown.Count == 1 ? $"Unknown query parameter '{Printable(unknown[0])}'" : "Unknown query parameters",
            detail: $"Unknown query parameter{(unknown.Count == 1 ? "" : "s")} {string.Join(", ", unknown.Select(u => $"'{Printable(u)}'"))}: {accepted}");
    }

    private static bool IsApi(PathString path) => path.StartsWithSegments("/api") || path.StartsWithSegments("/internal");

    private static string Printable(string name) => name.Length <= 64 ? name : name[..64] + "...";
}
