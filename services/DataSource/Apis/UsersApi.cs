using System.Security.Claims;
using DigiUsher.DataSource.Data;
using DigiUsher.DataSource.Identity;
using DigiUsher.DataSource.Validation;
using DigiUsher.ServiceDefaults.Api;
using DigiUsher.ServiceDefaults.Hosting;
using DigiUsher.ServiceDefaults.Security;

namespace DigiUsher.DataSource.Apis;

public static class UsersApi
{
    private static readonly TimeSpan InvitationLifetime = TimeSpan.FromDays(7);

    public static IEndpointRouteBuilder MapUsersApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/users").WithTags("Users").RequireAuthorization(DigiUsherClaims.TenantPolicy);
        group.MapGet("/", ListAsync)
            .WithParameters(ApiParameter.Limit(50, 200), ApiParameter.Cursor)
            .Produces<Page<UserView>>()
            .ProducesValidationProblem()
            .WithName("ListUsers")
            .WithSummary("The organization's users and pending invitations, oldest first");
        group.MapGet("/{id:guid}", GetAsync)
            .Produces<UserView>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("GetUser")
            .WithSummary("One user of the organization");
        group.MapPost("/", InviteAsync)
            .RequireAuthorization(DigiUsherClaims.AdminPolicy)
            .Accepts<InviteUserRequest>("application/json")
            .Produces<Invitation>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithName("InviteUser")
            .WithSummary("Invite a user (admin or member); the invitation code is shown once");
        return app;
    }

    private const string ListQuery = "users";

    private static async Task<IResult> ListAsync(HttpRequest http, ClaimsPrincipal user, IdentityStore store, CursorCodec cursors, CancellationToken cancellationToken)
    {
        var limit = PageParameters.Limit(http.Query, 50, 200);
        var after = cursors.DecodeAfter(PageParameters.Single(http.Query, "cursor"), ListQuery);
        var rows = await store.ListUsersAsync(user.GetOrganizationId(), after, limit + 1, cancellationToken);
        return TypedResults.Ok(Page<UserView>.Of([.. rows.Select(View)], limit, u => cursors.EncodeAfter(u.CreatedAt, u.Id, ListQuery)));
    }

    private static async Task<IResult> GetAsync(Guid id, ClaimsPrincipal user, IdentityStore store, CancellationToken cancellationToken) =>
        await store.FindUserAsync(user.GetOrganizationId(), id, cancellationToken) is { } row
            ? TypedResults.Ok(View(row))
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "User not found", detail: $"There is no user {id} in your organization.");

    private static UserView View(UserRow u) => new(u.Id, u.Email, u.Role, u.ActivatedAt is null ? "invited" : "active", u.CreatedAt);

    private static async Task<IResult> InviteAsync(HttpRequest http, ClaimsPrincipal user, IdentityStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var (request, problem) = await RequestBody.ReadAsync<InviteUserRequest>(http, cancellationToken);
        if (request is null)
        {
            return problem!;
        }

        var errors = new FieldErrors();
        errors.Email("email", request.Email);
        errors.Required("role", request.Role, 16);
        if (request.Role is { Length: > 0 and <= 16 } role && role is not (DigiUsherClaims.AdminRole or DigiUsherClaims.MemberRole))
        {
            errors.Add("role", "'role' must be 'admin' or 'member'.");
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var userId = Guid.CreateVersion7();
        var code = SecretTokens.New("inv_");
        var expiresAt = time.GetUtcNow() + InvitationLifetime;
        var email = request.Email!.Trim();
        if (!await store.InviteAsync(user.GetOrganizationId(), userId, email, request.Role!, SecretTokens.HashText(code), expiresAt, Guid.Parse(user.GetSubject()), cancellationToken))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The email is registered already",
                detail: "A user with this email exists (in this or another organization).");
        }

        return TypedResults.Created($"/api/v1/users/{userId}", new Invitation(userId, email, request.Role!, code, expiresAt));
    }
}
