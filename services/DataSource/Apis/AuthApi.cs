using System.Globalization;
using DigiUsher.DataSource.Data;
using DigiUsher.DataSource.Identity;
using DigiUsher.DataSource.Validation;
using DigiUsher.ServiceDefaults.Api;
using DigiUsher.ServiceDefaults.Security;

namespace DigiUsher.DataSource.Apis;

public static class AuthApi
{
    public const int MinPassword = 12;
    public const int MaxPassword = 128;

    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/auth").WithTags("Authentication").AllowAnonymous();
        group.MapPost("/register", RegisterAsync)
            .Accepts<RegisterRequest>("application/json")
            .Produces<Registered>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithName("Register")
            .WithSummary("Create an organization and its first admin");
        group.MapPost("/token", TokenAsync)
            .Accepts<TokenRequest>("application/json")
            .Produces<TokenResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithName("IssueToken")
            .WithSummary("A bearer token for a user (email, password) or a service client (clientId, clientSecret)");
        group.MapPost("/invitations/accept", AcceptInvitationAsync)
            .Accepts<AcceptInvitationRequest>("application/json")
            .Produces<TokenResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("AcceptInvitation")
            .WithSummary("Set the password of an invited user with the invitation code, and log in");
        return app;
    }

    public static void Password(FieldErrors errors, string? password)
    {
        if (string.IsNullOrEmpty(password))
        {
            errors.Add("password", "'password' is required.");
        }
        else if (password.Length is < MinPassword or > MaxPassword)
        {
            errors.Add("password", $"'password' must be {MinPassword} to {MaxPassword} characters long.");
        }
    }

    private static async Task<IResult> RegisterAsync(HttpRequest http, IdentityStore store, CancellationToken cancellationToken)
    {
        var (request, problem) = await RequestBody.ReadAsync<RegisterRequest>(http, cancellationToken);
        if (request is null)
        {
            return problem!;
        }

        var errors = new FieldErrors();
        errors.Email("email", request.Email);
        Password(errors, request.Password);
        errors.Required("organizationName", request.OrganizationName, 100);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var organizationId = Guid.CreateVersion7();
        var userId = Guid.CreateVersion7();
        var email = request.Email!.Trim();
        if (!await store.RegisterAsync(organizationId, request.OrganizationName!.Trim(), userId, email, PasswordHasher.Hash(request.Password!), cancellationToken))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The email is registered already",
                detail: "An account with this email exists; log in, or ask its organization's admin for an invitation.");
        }

        return TypedResults.Created($"/api/v1/users/{userId}", new Registered(organizationId, userId, email, DigiUsherClaims.AdminRole));
    }

    private static async Task<IResult> TokenAsync(HttpContext context, IdentityStore store, LoginThrottle throttle, TokenIssuer issuer, CancellationToken cancellationToken)
    {
        var (request, problem) = await RequestBody.ReadAsync<TokenRequest>(context.Request, cancellationToken);
        if (request is null)
        {
            return problem!;
        }

        var errors = new FieldErrors();
        var asUser = request.Email is not null || request.Password is not null;
        var asClient = request.ClientId is not null || request.ClientSecret is not null;
        if (asUser == asClient)
        {
            errors.Add("email", "Give either 'email' and 'password', or 'clientId' and 'clientSecret'.");
        }
        else if (asUser)
        {
            errors.Required("email", request.Email, 254);
            errors.Required("password", request.Password, MaxPassword);
        }
        else
        {
            errors.Required("clientId", request.ClientId, 128);
            errors.Required("clientSecret", request.ClientSecret, 256);
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var key = LoginThrottle.KeyFor(asUser ? request.Email! : request.ClientId!, context);
        if (await throttle.LockedForAsync(key, cancellationToken) is { } lockedFor)
        {
            return TooManyAttempts(context, lockedFor);
        }

        TokenResponse? token = null;
        if (asUser)
        {
            var user = await store.FindUserByEmailAsync(request.Email!.Trim(), cancellationToken);
            if (PasswordHasher.Verify(request.Password!, user?.PasswordHash) && user is not null)
            {
                token = issuer.Issue(user.Id.ToString(), user.OrganizationId, user.Role, user.Email);
            }
        }
        else
        {
            var client = await store.FindServiceClientAsync(request.ClientId!, cancellationToken);
            if (client is { RevokedAt: null } && SecretTokens.Matches(request.ClientSecret!, client.SecretHash))
            {
                token = issuer.Issue($"client:{client.ClientId}", client.OrganizationId, DigiUsherClaims.ServiceRole, null);
            }
        }

        if (token is null)
        {
            await throttle.FailedAsync(key, cancellationToken);
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Invalid credentials",
                detail: asUser ? "The email or password is wrong." : "The client id or secret is wrong, or the client was revoked.");
        }

        await throttle.SucceededAsync(key, cancellationToken);
        return TypedResults.Ok(token);
    }

    private static async Task<IResult> AcceptInvitationAsync(HttpRequest http, IdentityStore store, TokenIssuer issuer, CancellationToken cancellationToken)
    {
        var (request, problem) = await RequestBody.ReadAsync<AcceptInvitationRequest>(http, cancellationToken);
        if (request is null)
        {
            return problem!;
        }

        var errors = new FieldErrors();
        errors.Required("invitationCode", request.InvitationCode, 128);
        Password(errors, request.Password);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var user = await store.AcceptInvitationAsync(SecretTokens.HashText(request.InvitationCode!), PasswordHasher.Hash(request.Password!), cancellationToken);
        return user is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Invitation not found",
                detail: "The invitation code is wrong, was used already or has expired; ask your admin for a new one.")
            : TypedResults.Ok(issuer.Issue(user.Id.ToString(), user.OrganizationId, user.Role, user.Email));
    }

    private static IResult TooManyAttempts(HttpContext context, TimeSpan lockedFor)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(lockedFor.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many failed logins",
            detail: $"Too many failed attempts for this login from your address; try again in {seconds} seconds.");
    }
}
