using DigiUsher.DataSource.Data;
using DigiUsher.DataSource.DataSources;
using DigiUsher.DataSource.Validation;

namespace DigiUsher.DataSource.Tests;

public class MemberAccountRoleRuleTests
{
    [Theory]
    [InlineData("DigiUsherDiscovery", true)]
    [InlineData("OrganizationAccountAccessRole", true)]
    [InlineData("a+b=c,d.e@f_g-h", true)]
    [InlineData("arn:aws:iam::123456789012:role/DigiUsher", false)]
    [InlineData("team/DigiUsher", false)]
    [InlineData("with space", false)]
    [InlineData("", false)]
    public void MemberAccountRole_WhenARoleNameIsGiven_AcceptsOnlyAPlainIamRoleName(string roleName, bool valid)
    {
        var errors = new FieldErrors();

        DataSourceRules.MemberAccountRole(errors, new MemberAccountRoleSetting { RoleName = roleName }, isRoot: true, onChange: false);

        Assert.Equal(!valid, errors.Any);
    }

    [Fact]
    public void MemberAccountRole_WhenLongerThanIamAllows_IsRefused()
    {
        var errors = new FieldErrors();

        DataSourceRules.MemberAccountRole(errors, new MemberAccountRoleSetting { RoleName = new string('r', 65) }, isRoot: true, onChange: false);

        Assert.True(errors.Any);
    }

    [Fact]
    public void MemberAccountRole_WhenOnALinkedAccount_IsRefusedNamingTheKind()
    {
        var errors = new FieldErrors();

        DataSourceRules.MemberAccountRole(errors, new MemberAccountRoleSetting { RoleName = "DigiUsher" }, isRoot: false, onChange: false);

        Assert.True(errors.Any);
    }

    [Fact]
    public void Plan_WhenTheMemberAccountRoleIsSetOrTurnedOff_RevalidatesOnlyANewRole()
    {
        var existing = new DataSourceRow { Kind = "aws-root", Bucket = "b", Prefix = "p", Region = "us-east-1", MemberAccountRole = "Old" };

        var renamed = DataSourceChange.Plan(existing, new UpdateDataSourceRequest { MemberAccountRole = new MemberAccountRoleSetting { RoleName = "New" } });
        var off = DataSourceChange.Plan(existing, new UpdateDataSourceRequest { MemberAccountRole = new MemberAccountRoleSetting { RoleName = null } });
        var untouched = DataSourceChange.Plan(existing, new UpdateDataSourceRequest { Name = "Renamed" });

        Assert.Equal(("New", true), (renamed.Row.MemberAccountRole, renamed.Revalidates));
        Assert.Equal((null, false), (off.Row.MemberAccountRole, off.Revalidates));
        Assert.Equal(("Old", false), (untouched.Row.MemberAccountRole, untouched.Revalidates));
    }

    [Fact]
    public void Check_WhenAnUpdateOnlyTurnsTheMemberAccountRoleOff_IsSomethingToChange()
    {
        var errors = DataSourceChange.Check(new UpdateDataSourceRequest { MemberAccountRole = new MemberAccountRoleSetting { RoleName = null } });

        Assert.False(errors.Any);
    }
}
