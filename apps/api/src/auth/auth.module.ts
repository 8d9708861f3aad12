import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { APP_CONFIG } from '../config/config.js';
import { AuthController } from './auth.controller.js';
import { AuthService } from './auth.service.js';
import { JwtAuthGuard, RolesGuard } from './guards.js';
import { accessJwtOptions, JwtKeys, JwtKeysModule } from './jwt-keys.js';
import { JwtStrategy } from './jwt.strategy.js';
import { SessionRevocations } from './session-revocations.js';
import { SessionService } from './session.service.js';
import { TokenService } from './token.service.js';

@Module({
  imports: [
    JwtKeysModule,
    PassportModule,
    JwtModule.registerAsync({
      imports: [JwtKeysModule],
      inject: [JwtKeys, APP_CONFIG],
      useFactory: accessJwtOptions,
    }),
  ],
  controllers: [AuthController],
  providers: [
    AuthService,
    SessionService,
    SessionRevocations,
    TokenService,
    JwtStrategy,
    { provide: APP_GUARD, useClass: JwtAuthGuard },
    { provide: APP_GUARD, useClass: RolesGuard },
  ],
  exports: [TokenService, AuthService, SessionService, SessionRevocations],
})
export class AuthModule {}
