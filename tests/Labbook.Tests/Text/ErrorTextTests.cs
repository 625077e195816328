using System.Text.Json;
using Labbook.Text;

namespace Labbook.Tests.Text;

/// <summary>
/// The published binary strips .NET's message texts to resource keys; these are the messages it
/// produced (seen in the Native AOT lab), and what a user reads instead.
/// </summary>
public class ErrorTextTests
{
    [Theory]
    [InlineData("IO_FileNotFound_FileName, /w/missing.yaml")]
    [InlineData("Arg_ParamName_Name, path")]
    [InlineData("Overflow_TimeSpanTooLong")]
    [InlineData("ExpectedJsonTokens Path: $ | LineNumber: 0 | BytePositionInLine: 0.")]
    [InlineData("Cannot parse argument 'abc' for option '--limit' as expected type 'System.Nullable`1[System.Int32]'.")]
    [InlineData("Could not find file '/w/x'.")]
    public void Framework_messages_are_recognised(string message) => Assert.True(ErrorText.IsFramework(message));

    [Theory]
    [InlineData("no run with id, id prefix or name 'nope'")]
    [InlineData("--timeout: '0' is zero; give a positive duration (e.g. 90s, 15m, 2h)")]
    [InlineData("/w/NOTEBOOK.md: line 3: unclosed code fence")]
    [InlineData("run 6gbk failed: exit code 2")]
    public void Our_messages_pass_through(string message)
    {
        Assert.False(ErrorText.IsFramework(message));
        Assert.Equal(message, ErrorText.Of(new FormatException(message)));
    }

    [Fact]
    public void Each_kind_of_framework_failure_reads_in_words_with_its_path()
    {
        Assert.Equal("no such file: /w/missing.yaml", ErrorText.Of(new FileNotFoundException("IO_FileNotFound_FileName, /w/missing.yaml", "/w/missing.yaml")));
        Assert.Equal("no such folder: /w/a/b", ErrorText.Of(new DirectoryNotFoundException("IO_PathNotFound_Path, /w/a/b")));
        Assert.Equal("no such folder: /w/a/b", ErrorText.Of(new DirectoryNotFoundException("Could not find a part of the path '/w/a/b'.")));
        Assert.Equal("permission denied: /w/x", ErrorText.Of(new UnauthorizedAccessException("UnauthorizedAccess_IODenied_Path, /w/x")));
        Assert.Equal("no space left on the device: /w/x", ErrorText.Of(new IOException("IO_DiskFull_Path_Reason, /w/x", 28)));
        Assert.Equal("disk quota exceeded: /w/x", ErrorText.Of(new IOException("IO_DiskFull_Path_Reason, /w/x", 122)));
        Assert.Equal("a number or duration is too large", ErrorText.Of(new OverflowException("Overflow_TimeSpanTooLong")));
        Assert.Equal("a malformed value", ErrorText.Of(new ArgumentException("Arg_ParamName_Name, path")));
        var json = Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse("{\"id\": "));
        Assert.StartsWith("line 1, column ", ErrorText.Of(json), StringComparison.Ordinal);
    }
}
