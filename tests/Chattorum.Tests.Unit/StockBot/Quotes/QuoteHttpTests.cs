using System.Net;
using System.Text;
using Chattorum.StockBot.Quotes;

namespace Chattorum.Tests.Unit.StockBot.Quotes;

public class QuoteHttpTests
{
    private const int Limit = 1024;
    private static readonly Uri Address = new("http://quotes.test/q");

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError, true)]
    [InlineData(HttpStatusCode.BadGateway, true)]
    [InlineData(HttpStatusCode.ServiceUnavailable, true)]
    [InlineData(HttpStatusCode.GatewayTimeout, true)]
    [InlineData(HttpStatusCode.RequestTimeout, true)]
    [InlineData(HttpStatusCode.BadRequest, false)]
    [InlineData(HttpStatusCode.Unauthorized, false)]
    [InlineData(HttpStatusCode.Forbidden, false)]
    [InlineData(HttpStatusCode.NotFound, false)]
    [InlineData(HttpStatusCode.MovedPermanently, false)]
    [InlineData(HttpStatusCode.NoContent, null)]
    public async Task Sorts_statuses_into_transient_or_not(HttpStatusCode status, bool? transient)
    {
        using var client = new HttpClient(new StubHandler(_ => new HttpResponseMessage(status) { Content = new StringContent("x") }));
        var body = await QuoteHttp.GetTextAsync(client, Address, "text/csv", Limit, CancellationToken.None);
        if (transient is null)
        {
            Assert.Null(body.Failure);
            Assert.Equal("x", body.Text);
            return;
        }

        Assert.Equal(QuoteStatus.Failed, body.Failure!.Status);
        Assert.Equal(transient, body.Failure.IsTransient);
        Assert.Contains(((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture), body.Failure.Failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Limit, true, false)]
    [InlineData(Limit, false, false)]
    [InlineData(Limit + 1, true, true)]
    [InlineData(Limit + 1, false, true)]
    [InlineData(50 * Limit, false, true)]
    public async Task Caps_the_body_with_or_without_a_content_length(int size, bool announceLength, bool tooLarge)
    {
        var stream = new CountingStream(new MemoryStream(Encoding.ASCII.GetBytes(new string('a', size))));
        HttpContent content = new UnknownLengthContent(stream);
        if (announceLength)
        {
            content.Headers.ContentLength = size;
        }

        using var client = new HttpClient(new StubHandler(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = content }));
        var body = await QuoteHttp.GetTextAsync(client, Address, "text/csv", Limit, CancellationToken.None);
        if (tooLarge)
        {
            Assert.Null(body.Text);
            Assert.Contains("larger", body.Failure!.Failure, StringComparison.Ordinal);
            Assert.False(body.Failure.IsTransient);
            // Announced: refused before reading; not announced: reading stops just past the limit.
            Assert.InRange(stream.BytesRead, 0, announceLength ? 0 : Limit + 1);
        }
        else
        {
            Assert.Null(body.Failure);
            Assert.Equal(size, body.Text!.Length);
        }
    }

    [Fact]
    public async Task Invalid_utf8_is_a_failure()
    {
        using var client = new HttpClient(new StubHandler(_ =>
            new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent([0xFF, 0xFE, 0x00, 0xC3, 0x28]) }));
        var body = await QuoteHttp.GetTextAsync(client, Address, "text/csv", Limit, CancellationToken.None);
        Assert.Contains("UTF-8", body.Failure!.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sends_a_get_with_the_accept_header_and_reads_headers_first()
    {
        HttpRequestMessage? seen = null;
        using var client = new HttpClient(new StubHandler(request =>
        {
            seen = request;
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("ok") };
        }));
        var body = await QuoteHttp.GetTextAsync(client, Address, "application/json", Limit, CancellationToken.None);
        Assert.Equal("ok", body.Text);
        Assert.Equal(HttpMethod.Get, seen!.Method);
        Assert.Equal(Address, seen.RequestUri);
        Assert.Equal("application/json", Assert.Single(seen.Headers.Accept).MediaType);
    }

    /// <summary>Content whose length is not known in advance, like a chunked response.</summary>
    private sealed class UnknownLengthContent(Stream stream) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream target, TransportContext? context) => stream.CopyToAsync(target);

        protected override Task<Stream> CreateContentReadStreamAsync() => Task.FromResult(stream);

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    private sealed class CountingStream(Stream inner) : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var read = inner.Read(buffer, offset, count);
            BytesRead += read;
            return read;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken);
            BytesRead += read;
            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
