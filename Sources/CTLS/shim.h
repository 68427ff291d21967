#ifndef FIELDNOTES_CTLS_SHIM_H
#define FIELDNOTES_CTLS_SHIM_H
// OpenSSL's libssl for the TLS module. In OpenSSL 3 many SSL_CTX and BIO
// setters are macros over SSL_CTX_ctrl/BIO_ctrl, and the SSL_OP_* flags are
// built with SSL_OP_BIT(): Swift imports neither, so they are re-exposed here
// as static inline functions and constants with the same meaning.
#include <errno.h>
#include <stdint.h>
#include <sys/socket.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/pem.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/bn.h>

static const uint64_t fieldnotes_SSL_OP_NO_TICKET = SSL_OP_NO_TICKET;
static const uint64_t fieldnotes_SSL_OP_NO_RENEGOTIATION = SSL_OP_NO_RENEGOTIATION;
static const uint64_t fieldnotes_SSL_OP_IGNORE_UNEXPECTED_EOF = SSL_OP_IGNORE_UNEXPECTED_EOF;
static const int fieldnotes_MBSTRING_ASC = MBSTRING_ASC;

static inline int fieldnotes_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_min_proto_version(ctx, version);
}

static inline int fieldnotes_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_max_proto_version(ctx, version);
}

static inline int fieldnotes_SSL_CTX_set1_groups_list(SSL_CTX *ctx, const char *list) {
    return (int)SSL_CTX_set1_groups_list(ctx, list);
}

/// Returns the new mode bitmask (SSL_CTX_set_mode never fails).
static inline long fieldnotes_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_mode(ctx, mode);
}

/// Returns the previous cache mode (SSL_CTX_set_session_cache_mode never fails).
static inline long fieldnotes_SSL_CTX_set_session_cache_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_session_cache_mode(ctx, mode);
}

/// The NID of the key-exchange group of the current connection, 0 if none.
static inline int fieldnotes_SSL_get_negotiated_group(SSL *ssl) {
    return (int)SSL_get_negotiated_group(ssl);
}

// MARK: A socket BIO that never raises SIGPIPE and never blocks.
//
// OpenSSL's own socket BIO writes with write(2), which raises SIGPIPE when the
// peer has gone, and blocks on a blocking descriptor. This one calls
// send(MSG_NOSIGNAL | MSG_DONTWAIT) and recv(MSG_DONTWAIT) instead, so the
// descriptor's own flags are left alone (the caller owns it), every call
// returns at once with the retry flags set, and the Swift side waits with
// poll(2) until its deadline. The descriptor is kept in the BIO's data
// pointer; the BIO never closes it.

static inline int fieldnotes_bio_fd(BIO *bio) {
    return (int)(intptr_t)BIO_get_data(bio);
}

static inline int fieldnotes_bio_write(BIO *bio, const char *data, size_t length, size_t *written) {
    BIO_clear_retry_flags(bio);
    *written = 0;
    ssize_t sent = send(fieldnotes_bio_fd(bio), data, length, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent >= 0) {
        *written = (size_t)sent;
        return 1;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
        BIO_set_retry_write(bio);
    }
    return 0;
}

static inline int fieldnotes_bio_read(BIO *bio, char *data, size_t length, size_t *count) {
    BIO_clear_retry_flags(bio);
    *count = 0;
    ssize_t received = recv(fieldnotes_bio_fd(bio), data, length, MSG_DONTWAIT);
    if (received > 0) {
        *count = (size_t)received;
        return 1;
    }
    if (received == 0) {
        // As OpenSSL's socket BIO does: BIO_eof() then reports the end of the
        // stream, which libssl needs to tell EOF from an error.
        if (length > 0) BIO_set_flags(bio, BIO_FLAGS_IN_EOF);
        return 0;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
        BIO_set_retry_read(bio);
    }
    return 0;
}

static inline long fieldnotes_bio_ctrl(BIO *bio, int command, long number, void *pointer) {
    (void)number;
    switch (command) {
    case BIO_CTRL_FLUSH:
        return 1;
    case BIO_CTRL_EOF:
        return BIO_test_flags(bio, BIO_FLAGS_IN_EOF) != 0;
    case BIO_C_GET_FD:
        if (!BIO_get_init(bio)) return -1;
        if (pointer != NULL) *(int *)pointer = fieldnotes_bio_fd(bio);
        return fieldnotes_bio_fd(bio);
    default:
        return 0;
    }
}

static inline int fieldnotes_bio_create(BIO *bio) {
    BIO_set_data(bio, NULL);
    BIO_set_init(bio, 0);
    return 1;
}

static inline int fieldnotes_bio_destroy(BIO *bio) {
    // The descriptor belongs to the caller: nothing to close or free.
    (void)bio;
    return 1;
}

/// A new BIO_METHOD for the socket BIO above, or NULL if OpenSSL refused any
/// part of it. Build it once and keep it for the life of the process.
static inline BIO_METHOD *fieldnotes_socket_bio_method_new(void) {
    int index = BIO_get_new_index();
    if (index == -1) return NULL;
    BIO_METHOD *method = BIO_meth_new(index | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR,
                                      "fieldnotes socket (MSG_NOSIGNAL, MSG_DONTWAIT)");
    if (method == NULL) return NULL;
    if (BIO_meth_set_write_ex(method, fieldnotes_bio_write) != 1
        || BIO_meth_set_read_ex(method, fieldnotes_bio_read) != 1
        || BIO_meth_set_ctrl(method, fieldnotes_bio_ctrl) != 1
        || BIO_meth_set_create(method, fieldnotes_bio_create) != 1
        || BIO_meth_set_destroy(method, fieldnotes_bio_destroy) != 1) {
        BIO_meth_free(method);
        return NULL;
    }
    return method;
}

/// Points a BIO made from fieldnotes_socket_bio_method_new() at `fd`.
static inline void fieldnotes_bio_attach(BIO *bio, int fd) {
    BIO_set_data(bio, (void *)(intptr_t)fd);
    BIO_set_init(bio, 1);
}

#endif
