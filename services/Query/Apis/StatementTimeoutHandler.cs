using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DigiUsher.Query.Apis;

/// <summary>
/// A request whose statement Postgres cancelled at <see cref="ApiOptions.StatementTimeoutMs"/> answers 503
/// naming the limit (problem details), instead of a bare 500: the tenant learns to narrow the query,
/// the connection and the core are free again, and other tenants notice nothing.
/// </summary>
public sealed partial class StatementTimeoutHandler(IProblemDetailsService problems, IOptions<ApiOptions> options, ILogger<StatementTimeoutHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not PostgresException { SqlState: PostgresErrorCodes.QueryCanceled } || httpContext.RequestAborted.IsCancellationRequested)
        {
            return false;
        }

        LogTimeout(logger, httpContext.Request.Method, httpContext.Request.Path, options.Value.StatementTimeoutMs);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Query took too long",
                Detail = $"The query ran longer than the {options.Value.StatementTimeoutMs} ms a statement may take (Api:StatementTimeoutMs) and was stopped; "
                    + "narrow the date range or the filter, or group by fewer or coarser dimensions.",
            },
        });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path}: statement cancelled at the {TimeoutMs} ms statement timeout")]
    private static partial void LogTimeout(ILogger logger, string method, string path, int timeoutMs);
}
