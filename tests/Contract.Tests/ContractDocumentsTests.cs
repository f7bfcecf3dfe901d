using System.Net;

namespace DigiUsher.Contract.Tests;

/// <summary>The contract check itself can fail: off-contract answers are named, on-contract ones pass.</summary>
public class ContractDocumentsTests
{
    private static readonly ContractDocuments Documents = new();

    [Fact]
    public void Violations_WhenTheAnswerMatchesItsSchema_AreNone()
    {
        var (operation, exchange) = Imports(HttpStatusCode.OK, "application/json", """{"items":[],"nextCursor":null}""");

        Assert.Empty(Documents.Violations(operation, exchange));
    }

    [Theory]
    [InlineData("""{"items":[],"nextCursor":null,"total":3}""", "unevaluatedProperties")]
    [InlineData("""{"items":[]}""", "required")]
    [InlineData("""{"items":[{"billingPeriod":7}],"nextCursor":null}""", "/items/0")]
    [InlineData("""{"items":"none","nextCursor":null}""", "/items")]
    public void Violations_WhenTheBodyIsOffItsSchema_NameTheProblem(string body, string named)
    {
        var (operation, exchange) = Imports(HttpStatusCode.OK, "application/json", body);

        Assert.Contains(Documents.Violations(operation, exchange), v => v.Contains(named, StringComparison.Ordinal));
    }

    [Fact]
    public void Violations_WhenTheStatusOrMediaTypeIsUndeclared_NameThem()
    {
        var (operation, teapot) = Imports(HttpStatusCode.Conflict, "application/problem+json", """{"title":"x"}""");
        var (_, text) = Imports(HttpStatusCode.OK, "text/plain", "ok");

        Assert.Equal(["409 is not declared"], Documents.Violations(operation, teapot));
        Assert.Equal(["200 answered text/plain, declared application/json"], Documents.Violations(operation, text));
    }

    [Fact]
    public void Find_WhenALiteralRouteAndATemplateBothMatch_TakesTheLiteral()
    {
        Assert.Equal("ReorderOwnerRules", Documents.Find("resource-discovery", "PUT", "/api/v1/owner-rules/order")?.OperationId);
        Assert.Equal("ReplaceOwnerRule", Documents.Find("resource-discovery", "PUT", $"/api/v1/owner-rules/{Guid.NewGuid()}")?.OperationId);
        Assert.Null(Documents.Find("query", "DELETE", "/api/v1/costs"));
    }

    private static (ContractOperation, RecordedExchange) Imports(HttpStatusCode status, string mediaType, string body) =>
        (Documents.Find("query", "GET", "/api/v1/imports")!, new RecordedExchange("query", "GET", "/api/v1/imports", status, mediaType, body, null));
}
