using Microsoft.AspNetCore.Http;

namespace DigiUsher.ServiceDefaults.Hosting;

/// <summary>
/// Answers 400 for a path or query string carrying control characters (NUL and friends): no id, filter
/// or tag key of ours contains one, and Postgres refuses a 0x00 in text, which would otherwise
/// surface as a 500 deep inside a query.
/// </summary>
public sealed class ControlCharacterGuardMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context, IProblemDetailsService problems)
    {
        var request = context.Request;
        var offending = HasControl(request.Path.Value)
            ? "path"
            : request.Query.FirstOrDefault(q => HasControl(q.Key) || q.Value.Any(HasControl)).Key;
        if (offending is null)
        {
            await next(context);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status400BadRequest,
                Title = "Invalid characters in the request",
                Detail = $"'{Printable(offending)}' contains control characters, which no DigiUsher identifier, filter or tag key has.",
            },
        });
    }

    private static bool HasControl(string? value) => value is not null && value.Any(char.IsControl);

    private static string Printable(string value) => new([.. value.Select(c => char.IsControl(c) ? '?' : c).Take(64)]);
}
