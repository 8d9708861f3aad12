import { createSecretKey, type KeyObject } from 'node:crypto';
import { Inject, Injectable, Module } from '@nestjs/common';
import type { JwtModuleOptions } from '@nestjs/jwt';
import type { SignOptions, VerifyOptions } from 'jsonwebtoken';
import { APP_CONFIG, type AppConfig } from '../config/config.js';

/**
 * The signing keys as key objects, made once per app: given a string, jsonwebtoken first tries (and fails)
 * to parse it as a PEM key on every call, which made each verification cost more than the rest of a socket
 * handshake. JwtModule, the passport-jwt strategy and the refresh tokens all take their keys from here.
 */
@Injectable()
export class JwtKeys {
  readonly access: KeyObject;
  readonly refresh: KeyObject;
  readonly signOptions: SignOptions;
  readonly verifyOptions: VerifyOptions & { algorithms: ['HS256']; issuer: string; audience: string };

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const { accessSecret, refreshSecret, issuer, audience } = config.jwt;
    this.access = createSecretKey(Buffer.from(accessSecret));
    this.refresh = createSecretKey(Buffer.from(refreshSecret));
    this.signOptions = { algorithm: 'HS256', issuer, audience };
    this.verifyOptions = { algorithms: ['HS256'], issuer, audience };
  }
}

/** Shared by AuthModule and JwtModule's factory, so both see the one JwtKeys. */
@Module({ providers: [JwtKeys], exports: [JwtKeys] })
export class JwtKeysModule {}

/** JwtModule's options for access tokens: the one place their key, algorithm, issuer, audience and lifetime are set. */
export function accessJwtOptions(keys: JwtKeys, config: AppConfig): JwtModuleOptions {
  return {
    secret: keys.access,
    signOptions: { ...keys.signOptions, expiresIn: config.jwt.accessTtlSeconds },
    verifyOptions: keys.verifyOptions,
  };
}
