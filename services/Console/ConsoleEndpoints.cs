using System.Text;
using DigiUsher.Console.Apis;
using DigiUsher.Console.Costs;
using DigiUsher.Console.Session;
using Microsoft.AspNetCore.Antiforgery;

namespace DigiUsher.Console;

public static class ConsoleEndpoints
{
    /// <summary>Sign-out (a POST with the antiforgery token) and the cost explorer's CSV export.</summary>
    public static WebApplication MapConsoleEndpoints(this WebApplication app)
    {
        app.MapPost("/account/signout", async (HttpContext http, IUserSession session, IAntiforgery antiforgery) =>
        {
            if (!await antiforgery.IsRequestValidAsync(http))
            {
                return Results.BadRequest("The sign-out form expired; reload the page and sign out again.");
            }

            await session.SignOutAsync(http);
            return Results.LocalRedirect("/signin?signedOut=true");
        }).DisableAntiforgery();

        app.MapGet("/costs/export.csv", async (HttpContext http, ICostsApi costs, TimeProvider clock, CancellationToken cancellationToken) =>
        {
            var (query, problems) = CostQuery.FromUrl(http.Request.Query.ToDictionary(q => q.Key, q => q.Value), Today(clock));
            if (problems.Count > 0 || query.Problems().Count > 0)
            {
                return Results.BadRequest(string.Join(" ", problems.Concat(query.Problems())));
            }

            try
            {
                var result = await costs.GetCostsAsync(query, cancellationToken);
                var csv = CostTable.From(result.Costs).ToCsv();
                return Results.File(Encoding.UTF8.GetBytes(csv), "text/csv; charset=utf-8", $"costs-{query.From:yyyyMMdd}-{query.To:yyyyMMdd}.csv");
            }
            catch (SessionExpiredException)
            {
                return Results.Redirect("/signin?expired=true&returnUrl=" + Uri.EscapeDataString(query.ToUrl("/costs")));
            }
            catch (Exception ex) when (ex is ApiProblemException or ApiUnavailableException)
            {
                return Results.Problem(statusCode: StatusCodes.Status502BadGateway, title: "The export failed", detail: ApiErrorText.For(ex));
            }
        }).RequireAuthorization();
        return app;
    }

    public static DateOnly Today(TimeProvider clock) => DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
}
