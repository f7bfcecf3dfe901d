using System.Security.Claims;
using DigiUsher.DataSource.Audit;
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
        var group = app.MapGroup("/api/v1/users").WithTags("Users");
        group.MapGet("/", ListAsync)
            .WithParameters(ApiParameter.Limit(50, 200), ApiParameter.Cursor)
            .Produces<Page<UserView>>()
            .ProducesValidationProblem()
            .RequireScope(Scopes.UsersRead)
            .WithName("ListUsers")
            .WithSummary("The organization's users and pending invitations, oldest first");
        group.MapGet("/{id:guid}", GetAsync)
            .RequireScope(Scopes.UsersRead)
            .Produces<UserView>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("GetUser")
            .WithSummary("One user of the organization");
        group.MapPost("/", InviteAsync)
            .RequireScope(Scopes.UsersWrite)
            .Accepts<InviteUserRequest>("application/json")
            .Produces<Invitation>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithName("InviteUser")
            .WithSummary("Invite a user (admin or member); the invitation code is shown once");
        group.MapPatch("/{id:guid}", ChangeRoleAsync)
            .RequireScope(Scopes.UsersWrite)
            .Accepts<ChangeRoleRequest>("application/json")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithName("ChangeUserRole")
            .WithSummary("Give a user another role; their tokens are refused within seconds and their next sign-in carries the new role's scopes");
        group.MapPost("/{id:guid}/disable", (Guid id, ClaimsPrincipal user, IdentityStore store, AuditLog audit, TimeProvider time, CancellationToken ct) =>
                ChangeAsync(id, user, store, audit, new UserChange.Disable(), time, ct))
            .RequireScope(Scopes.UsersWrite)
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithName("DisableUser")
            .WithSummary("Disable a user: no sign-in, every sign-in ended, every token refused within seconds");
        group.MapPost("/{id:guid}/enable", (Guid id, ClaimsPrincipal user, IdentityStore store, AuditLog audit, TimeProvider time, CancellationToken ct) =>
                ChangeAsync(id, user, store, audit, new UserChange.Enable(), time, ct))
            .RequireScope(Scopes.UsersWrite)
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("EnableUser")
            .WithSummary("Let a disabled user sign in again");
        group.MapDelete("/{id:guid}", (Guid id, ClaimsPrincipal user, IdentityStore store, AuditLog audit, TimeProvider time, CancellationToken ct) =>
                ChangeAsync(id, user, store, audit, new UserChange.Delete(), time, ct))
            .RequireScope(Scopes.UsersWrite)
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithName("DeleteUser")
            .WithSummary("Delete a user and end their sign-ins; their tokens are refused within seconds");
        app.MapPost("/api/v1/users/me/password", ChangePasswordAsync)
            .RequireAuthorization()
            .WithTags("Users")
            .Accepts<ChangePasswordRequest>("application/json")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .WithName("ChangeOwnPassword")
            .WithSummary("Change your own password (the current one first); every sign-in and token of yours ends, sign in again");
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

    private static UserView View(UserRow u) => new(u.Id, u.Email, u.Role, u.DisabledAt is not null ? "disabled" : u.ActivatedAt is null ? "invited" : "active", u.CreatedAt);

    private static async Task<IResult> ChangeRoleAsync(Guid id, HttpRequest http, ClaimsPrincipal user, IdentityStore store, AuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var (request, problem) = await RequestBody.ReadAsync<ChangeRoleRequest>(http, cancellationToken);
        if (request is null)
        {
            return problem!;
        }

        if (request.Role is not (DigiUsherClaims.AdminRole or DigiUsherClaims.MemberRole))
        {
            var errors = new FieldErrors();
            errors.Add("role", "'role' must be 'admin' or 'member'.");
            return errors.ToProblem();
        }

        return await ChangeAsync(id, user, store, audit, new UserChange.Role(request.Role), time, cancellationToken);
    }

    private static async Task<IResult> ChangeAsync(Guid id, ClaimsPrincipal user, IdentityStore store, AuditLog audit, UserChange change, TimeProvider time, CancellationToken cancellationToken)
    {
        var outcome = await store.ChangeUserAsync(user.GetOrganizationId(), id, change, time.GetUtcNow(), cancellationToken);
        if (outcome == UserChangeOutcome.Done)
        {
            var action = change switch
            {
                UserChange.Role => AuditActions.RoleChanged,
                UserChange.Disable => AuditActions.UserDisabled,
                UserChange.Enable => AuditActions.UserEnabled,
                _ => AuditActions.UserDeleted,
            };
            var detail = change is UserChange.Role role ? new Dictionary<string, string> { ["role"] = role.NewRole } : null;
            await audit.RecordAsync(new AuditEntry(user.GetOrganizationId(), action, TargetType: "user", TargetId: id.ToString(), Detail: detail), cancellationToken);
        }

        return outcome switch
        {
            UserChangeOutcome.Done => TypedResults.NoContent(),
            UserChangeOutcome.LastAdmin => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The organization needs an admin",
                detail: "This would leave the organization without an active admin; make another user admin first."),
            _ => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "User not found", detail: $"There is no user {id} in your organization."),
        };
    }

    private static async Task<IResult> ChangePasswordAsync(HttpRequest http, ClaimsPrincipal user, IdentityStore store, PasswordCheck passwords, AuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        if (user.IsServiceClient() || !Guid.TryParse(user.GetSubject(), out var userId))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: "Only a person's token can change that person's password.");
        }

        var (request, problem) = await RequestBody.ReadAsync<ChangePasswordRequest>(http, cancellationToken);
        if (request is null)
        {
            return problem!;
        }

        var errors = new FieldErrors();
        errors.Required("currentPassword", request.CurrentPassword, AuthApi.MaxPassword);
        AuthApi.Password(errors, request.NewPassword);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var stored = await store.FindUserAsync(user.GetOrganizationId(), userId, cancellationToken);
        if (stored is not { CanSignIn: true } || !await passwords.VerifyAsync(request.CurrentPassword!, stored.PasswordHash, cancellationToken))
        {
            errors.Add("currentPassword", "'currentPassword' is not your current password.");
            return errors.ToProblem();
        }

        await store.SetPasswordAsync(stored.OrganizationId, stored.Id, await passwords.HashAsync(request.NewPassword!, cancellationToken), time.GetUtcNow(), cancellationToken);
        await audit.RecordAsync(new AuditEntry(stored.OrganizationId, AuditActions.PasswordChanged, TargetType: "user", TargetId: stored.Id.ToString()), cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> InviteAsync(HttpRequest http, ClaimsPrincipal user, IdentityStore store, AuditLog audit, TimeProvider time, CancellationToken cancellationToken)
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

        await audit.RecordAsync(new AuditEntry(user.GetOrganizationId(), AuditActions.UserInvited, TargetType: "user", TargetId: userId.ToString(),
            Detail: new Dictionary<string, string> { ["email"] = email, ["role"] = request.Role! }), cancellationToken);
        return TypedResults.Created($"/api/v1/users/{userId}", new Invitation(userId, email, request.Role!, code, expiresAt));
    }
}
